using System.CommandLine;
using Koi.Cli.Rendering;
using Spectre.Console;

namespace Koi.Cli;

/// <summary>
/// What every command gets: parsed global options, where to write, and a daemon client on demand. Human-readable
/// output passes through <see cref="TerminalText"/>, JSON output does not (it is exact and escapes for itself).
/// </summary>
internal sealed class CliContext
{
    private readonly GlobalOptions _globals;
    private DaemonClient? _client;

    public CliContext(ParseResult parse, GlobalOptions globals, TextWriter stdout, TextWriter stderr)
    {
        Parse = parse;
        _globals = globals;
        JsonStdout = stdout;
        Stdout = Json ? stdout : new TerminalSafeWriter(stdout);
        Stderr = new TerminalSafeWriter(stderr);
        Out = CreateConsole(stdout, Console.IsOutputRedirected);
        Err = CreateConsole(stderr, Console.IsErrorRedirected);
    }

    public ParseResult Parse { get; }

    public bool Json => Parse.GetValue(_globals.Json);

    public string? DataDir => Parse.GetValue(_globals.DataDir);

    /// <summary>Human-readable output, terminal controls escaped (with --json, the same as <see cref="JsonStdout"/>).</summary>
    public TextWriter Stdout { get; }

    /// <summary>Where JSON documents go, byte for byte.</summary>
    public TextWriter JsonStdout { get; }

    public TextWriter Stderr { get; }

    /// <summary>Spectre output: it writes its own colour codes, so text in it goes through <see cref="TerminalText.Markup"/>.</summary>
    public IAnsiConsole Out { get; }

    public IAnsiConsole Err { get; }

    /// <summary>True when prompts can be asked: a terminal on stdin and no --json.</summary>
    public bool Interactive => !Json && !Console.IsInputRedirected;

    public DaemonClient Daemon => _client ??= DaemonClient.Create(
        Parse.GetValue(_globals.Endpoint),
        Parse.GetValue(_globals.Token),
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
