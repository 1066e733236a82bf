using System.Globalization;
using System.Text;

namespace Koi.Cli.Rendering;

/// <summary>
/// Makes text from the network harmless on a terminal. Names, TXT values, DNS answers and error messages reach the
/// CLI from any device on the LAN; an ESC, BEL or C1 byte among them would otherwise drive the operator's terminal
/// (clear the screen, rewrite earlier lines, set the title). Control characters and bidirectional overrides are
/// shown as visible escapes instead (<c>\x1b</c>, <c>\u202e</c>). JSON output never passes through here: it stays
/// exact, and JSON encodes these characters itself (docs/cli.md, "Text from the network").
/// </summary>
internal static class TerminalText
{
    /// <summary>One field of a single-line rendering: every control character escaped, newlines and tabs too.</summary>
    public static string Safe(string? text) => Escape(text, keepLayout: false);

    /// <summary>Text inside Spectre markup: terminal controls escaped, newlines kept (panels and messages span lines).</summary>
    public static string Markup(string? text) => Spectre.Console.Markup.Escape(Lines(text));

    /// <summary>Escapes what drives a terminal but keeps newlines and tabs, for whole lines of output.</summary>
    public static string Lines(string? text) => Escape(text, keepLayout: true);

    public static bool NeedsEscape(char c, bool keepLayout) =>
        c switch
        {
            '\n' or '\t' => !keepLayout,
            < ' ' or '\x7f' => true,
            >= '\x80' and <= '\x9f' => true,
            >= '\u202a' and <= '\u202e' => true,
            >= '\u2066' and <= '\u2069' => true,
            _ => false,
        };

    public static void AppendEscaped(StringBuilder builder, char c) =>
        builder.Append(c <= '\xff'
            ? string.Create(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}")
            : string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"));

    private static string Escape(string? text, bool keepLayout)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        var first = -1;
        for (var i = 0; i < text.Length; i++)
        {
            if (NeedsEscape(text[i], keepLayout))
            {
                first = i;
                break;
            }
        }

        if (first < 0)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 16).Append(text, 0, first);
        for (var i = first; i < text.Length; i++)
        {
            if (NeedsEscape(text[i], keepLayout))
            {
                AppendEscaped(builder, text[i]);
            }
            else
            {
                builder.Append(text[i]);
            }
        }

        return builder.ToString();
    }
}

/// <summary>
/// The CLI's human-readable stdout and stderr: whatever a command prints, network text included, reaches the terminal
/// through <see cref="TerminalText"/>, so no print site can forget it. Newlines and tabs keep the layout.
/// </summary>
internal sealed class TerminalSafeWriter(TextWriter inner) : TextWriter
{
    public override Encoding Encoding => inner.Encoding;

    public override IFormatProvider FormatProvider => inner.FormatProvider;

    [System.Diagnostics.CodeAnalysis.AllowNull]
    public override string NewLine
    {
        get => inner.NewLine;
        set => inner.NewLine = value;
    }

    public override void Write(char value)
    {
        if (TerminalText.NeedsEscape(value, keepLayout: true) && !IsNewLinePart(value))
        {
            inner.Write(TerminalText.Lines(value.ToString()));
        }
        else
        {
            inner.Write(value);
        }
    }

    public override void Write(string? value) => inner.Write(KeepNewLines(value));

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void WriteLine(string? value)
    {
        inner.Write(KeepNewLines(value));
        inner.WriteLine();
    }

    public override void WriteLine() => inner.WriteLine();

    public override Task WriteAsync(string? value)
    {
        Write(value);
        return Task.CompletedTask;
    }

    public override Task WriteLineAsync(string? value)
    {
        WriteLine(value);
        return Task.CompletedTask;
    }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync() => inner.FlushAsync();

    // Windows ends lines with \r\n; a carriage return anywhere else can rewrite the line already shown.
    private bool IsNewLinePart(char value) => NewLine.Contains(value, StringComparison.Ordinal);

    private string KeepNewLines(string? value)
    {
        if (string.IsNullOrEmpty(value) || NewLine == "\n")
        {
            return TerminalText.Lines(value);
        }

        return string.Join(NewLine, value.Split(NewLine).Select(TerminalText.Lines));
    }
}
