using System.CommandLine;

namespace Koi.Cli.Commands.Certmesh;

/// <summary>
/// Where a passphrase comes from without a prompt: <c>--passphrase X</c>, <c>--passphrase-file F</c> (first line) or
/// <c>--passphrase-stdin</c>. Never echoed.
/// </summary>
internal sealed class PassphraseSource(string what = "CA passphrase")
{
    public Option<string?> Inline { get; } = new("--passphrase") { Description = $"The {what} (visible in process lists: prefer --passphrase-file or --passphrase-stdin)" };

    public Option<string?> File { get; } = new("--passphrase-file") { Description = $"Read the {what} from the first line of FILE" };

    public Option<bool> Stdin { get; } = new("--passphrase-stdin") { Description = $"Read the {what} from standard input" };

    public void AddTo(Command command)
    {
        command.Options.Add(Inline);
        command.Options.Add(File);
        command.Options.Add(Stdin);
    }

    /// <summary>The passphrase, or null when none of the three was given (the ceremony will ask).</summary>
    public string? Read(CliContext cli)
    {
        var inline = cli.Parse.GetValue(Inline);
        var file = cli.Parse.GetValue(File);
        var stdin = cli.Parse.GetValue(Stdin);
        if ((inline is null ? 0 : 1) + (file is null ? 0 : 1) + (stdin ? 1 : 0) > 1)
        {
            throw new UsageException("give the passphrase one way: --passphrase, --passphrase-file or --passphrase-stdin");
        }

        string? text = inline;
        if (file is not null)
        {
            if (!System.IO.File.Exists(file))
            {
                throw new UsageException($"--passphrase-file: {file} does not exist");
            }

            text = System.IO.File.ReadLines(file).FirstOrDefault() ?? string.Empty;
        }
        else if (stdin)
        {
            text = Console.In.ReadLine() ?? string.Empty;
        }

        if (text is not null && text.TrimEnd('\r', '\n').Length == 0)
        {
            throw new UsageException("the passphrase is empty");
        }

        return text?.TrimEnd('\r', '\n');
    }
}
