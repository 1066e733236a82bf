using System.CommandLine;

namespace Koi.Cli;

/// <summary>Where the CLI writes, and the options every command shares.</summary>
internal sealed class CliEnvironment(TextWriter stdout, TextWriter stderr)
{
    public GlobalOptions Globals { get; } = new();

    public TextWriter Stdout { get; } = stdout;

    public TextWriter Stderr { get; } = stderr;

    public CliContext CreateContext(ParseResult parse) => new(parse, Globals, Stdout, Stderr);
}
