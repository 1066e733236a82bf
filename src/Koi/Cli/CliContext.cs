using System.CommandLine;
using Spectre.Console;

namespace Koi.Cli;

/// <summary>What every command gets: parsed global options, where to write, and a daemon client on demand.</summary>
internal sealed class CliContext(ParseResult parse, GlobalOptions globals, TextWriter stdout, TextWriter stderr)
{
    private DaemonClient? _client;

    public ParseResult Parse { get; } = parse;

    public bool Json => Parse.GetValue(globals.Json);

    public string? DataDir => Parse.GetValue(globals.DataDir);

    public TextWriter Stdout { get; } = stdout;

    public TextWriter Stderr { get; } = stderr;

    public IAnsiConsole Out { get; } = CreateConsole(stdout, Console.IsOutputRedirected);

    public IAnsiConsole Err { get; } = CreateConsole(stderr, Console.IsErrorRedirected);

    /// <summary>True when prompts can be asked: a terminal on stdin and no --json.</summary>
    public bool Interactive => !Json && !Console.IsInputRedirected;

    public DaemonClient Daemon => _client ??= DaemonClient.Create(
        Parse.GetValue(globals.Endpoint),
        Parse.GetValue(globals.Token),
        DataDir,
        Environment.GetEnvironmentVariable);

    // Escape codes only for a terminal: piped output (scripts, grep, logs) stays plain, and NO_COLOR is honoured.
    private static IAnsiConsole CreateConsole(TextWriter writer, bool redirected)
    {
        var plain = redirected || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
        return AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = plain ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = plain ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
        });
    }
}
