using System.Text.Json;
using Koi.Core.Ceremony;
using Koi.Core.Storage;
using Spectre.Console;

namespace Koi.Cli.Rendering;

/// <summary>
/// The CLI side of a ceremony: a dumb loop that sends what it has, renders what comes back and asks for
/// what is missing. No domain logic lives here.
/// </summary>
internal sealed class CeremonyRunner(CliContext cli, PromptRenderer prompts)
{
    private const int MaxRounds = 64;

    public async Task<CeremonyResponse> RunAsync(string ceremony, IReadOnlyDictionary<string, JsonElement> preset, CancellationToken cancellationToken)
    {
        string? sessionId = null;
        var data = new Dictionary<string, JsonElement>(preset, StringComparer.Ordinal);
        for (var round = 0; round < MaxRounds; round++)
        {
            var response = await cli.Daemon.SendAsync<CeremonyResponse>(
                HttpMethod.Post, "/v1/ceremony", new CeremonyRequest(sessionId, ceremony, data), cancellationToken);
            sessionId = response.SessionId;
            if (!cli.Json)
            {
                MessageRenderer.Render(cli.Out, response.Messages);
            }

            if (response.Complete)
            {
                return response;
            }

            if (!cli.Interactive)
            {
                // Nobody to ask: a prompt's own default is the answer a user pressing Enter would have given.
                data = Defaults(response);
                if (data.Count == 0)
                {
                    throw new UsageException(DescribeMissing(response));
                }

                continue;
            }

            data = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var prompt in response.Prompts)
            {
                data[prompt.Key] = prompts.Ask(prompt);
            }
        }

        throw new InvalidOperationException($"ceremony '{ceremony}' did not finish after {MaxRounds} rounds");
    }

    private static Dictionary<string, JsonElement> Defaults(CeremonyResponse response)
    {
        var answers = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var prompt in response.Prompts)
        {
            if (prompt.Default is { } value)
            {
                answers[prompt.Key] = KoiJson.Element(value);
            }
        }

        return answers;
    }

    private static string DescribeMissing(CeremonyResponse response)
    {
        var missing = new List<string>();
        foreach (var prompt in response.Prompts)
        {
            if (prompt.Required)
            {
                missing.Add(prompt.Key);
            }
        }

        var errors = new List<string>();
        foreach (var message in response.Messages)
        {
            if (message.Kind == MessageKind.Error)
            {
                errors.Add($"{message.Title}: {message.Content}");
            }
        }

        var text = $"missing required input: {string.Join(", ", missing)} (not a terminal or --json, so nothing can be asked)";
        return errors.Count == 0 ? text : $"{string.Join("; ", errors)}; {text}";
    }
}
