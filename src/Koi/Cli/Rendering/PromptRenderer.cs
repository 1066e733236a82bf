using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Koi.Core.Ceremony;
using Koi.Core.Storage;
using Spectre.Console;

namespace Koi.Cli.Rendering;

/// <summary>Asks one ceremony prompt on the terminal and returns the answer as the wire value.</summary>
internal sealed class PromptRenderer(IAnsiConsole console)
{
    public JsonElement Ask(CeremonyPrompt prompt) => prompt.InputType switch
    {
        InputType.SelectOne => Value(AskSelectOne(prompt)),
        InputType.SelectMany => KoiJson.Element(AskSelectMany(prompt)),
        InputType.Secret => Value(AskSecret(prompt.Prompt, prompt.Required)),
        InputType.SecretConfirm => Value(AskSecretConfirmed(prompt)),
        InputType.Code => Value(console.Prompt(new TextPrompt<string>(TerminalText.Markup(prompt.Prompt))
            .Validate(code => code.Trim().All(char.IsAsciiDigit) && code.Trim().Length is >= 4 and <= 10, "enter the digits only"))),
        InputType.Entropy => Value(AskEntropy(prompt)),
        InputType.Fido2 => throw new UsageException("FIDO2 prompts are not supported by this CLI"),
        _ => Value(AskText(prompt)),
    };

    private static JsonElement Value(string text) => KoiJson.Element(text.Trim());

    private string AskText(CeremonyPrompt prompt)
    {
        var text = new TextPrompt<string>(TerminalText.Markup(prompt.Prompt));
        if (prompt.Default is { } fallback)
        {
            text.DefaultValue(fallback);
        }

        if (!prompt.Required)
        {
            text.AllowEmpty();
        }

        return console.Prompt(text);
    }

    /// <summary>Numbered options; Enter takes the default.</summary>
    private string AskSelectOne(CeremonyPrompt prompt)
    {
        var options = prompt.Options ?? [];
        console.MarkupLine($"[bold]{TerminalText.Markup(prompt.Prompt)}[/]");
        var defaultIndex = 1;
        for (var i = 0; i < options.Count; i++)
        {
            var isDefault = options[i].Value == prompt.Default;
            if (isDefault)
            {
                defaultIndex = i + 1;
            }

            console.MarkupLine($"  {i + 1}. {TerminalText.Markup(options[i].Label)}{(isDefault ? " [dim](default)[/]" : string.Empty)}");
        }

        var choice = console.Prompt(new TextPrompt<int>("Choice")
            .DefaultValue(defaultIndex)
            .Validate(n => n >= 1 && n <= options.Count, $"choose 1 to {options.Count}"));
        return options[choice - 1].Value;
    }

    private List<string> AskSelectMany(CeremonyPrompt prompt)
    {
        var options = prompt.Options ?? [];
        var selection = new MultiSelectionPrompt<PromptOption>()
            .Title(TerminalText.Markup(prompt.Prompt))
            .UseConverter(option => TerminalText.Markup(option.Label))
            .AddChoices(options);
        selection.Required = prompt.Required;
        return console.Prompt(selection).ConvertAll(option => option.Value);
    }

    private string AskSecret(string text, bool required)
    {
        var secret = new TextPrompt<string>(TerminalText.Markup(text)).Secret();
        if (!required)
        {
            secret.AllowEmpty();
        }

        return console.Prompt(secret);
    }

    private string AskSecretConfirmed(CeremonyPrompt prompt)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var first = AskSecret(prompt.Prompt, prompt.Required);
            var second = AskSecret("Repeat to confirm", prompt.Required);
            if (first == second)
            {
                return first;
            }

            console.MarkupLine("[red]The two entries differ; try again.[/]");
        }

        throw new UsageException("the secret was not confirmed");
    }

    /// <summary>
    /// Collects keystrokes with their timing. The daemon mixes them into its CSPRNG output; it never relies on them
    /// alone, so a lazy typist weakens nothing.
    /// </summary>
    private string AskEntropy(CeremonyPrompt prompt)
    {
        const int Keystrokes = 128;
        console.MarkupLine($"[bold]{TerminalText.Markup(prompt.Prompt)}[/] — mash the keyboard ({Keystrokes} keys).");
        var collected = new StringBuilder();
        var clock = Stopwatch.StartNew();
        for (var count = 0; count < Keystrokes; count++)
        {
            var key = Console.ReadKey(intercept: true);
            collected.Append(key.KeyChar).Append(':').Append(clock.ElapsedTicks).Append(';');
            var percent = (count + 1) * 100 / Keystrokes;
            console.Write(new Markup($"\r  [[{new string('#', percent / 5),-20}]] {percent,3}%"));
        }

        console.WriteLine();
        return collected.ToString();
    }
}
