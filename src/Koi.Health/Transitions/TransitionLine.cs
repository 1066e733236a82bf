using System.Globalization;
using System.Text;

namespace Koi.Health.Transitions;

/// <summary>
/// The line format of docs/health.md, <c>2026-02-10 14:30:00 | stone-09   | up → down    | mDNS: not seen for 60s</c>,
/// times in UTC so the file reads the same wherever it is copied to.
/// </summary>
internal static class TransitionLine
{
    public const string TimeFormat = "yyyy-MM-dd HH:mm:ss";
    private const string Arrow = " → ";
    private const string Separator = " | ";
    private const int SubjectWidth = 10;
    private const int ChangeWidth = 12;

    /// <summary>Names come from the network: a <c>|</c> or a line break in one must not forge or split a line.</summary>
    public static string Clean(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(char.IsControl(c) ? ' ' : c == '|' ? '/' : c);
        }

        return builder.ToString().Trim();
    }

    public static string Format(Transition transition)
    {
        var at = transition.At.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);
        var change = Clean(transition.From) + Arrow + Clean(transition.To);
        return string.Concat(
            at,
            Separator,
            Clean(transition.Subject).PadRight(SubjectWidth),
            Separator,
            change.PadRight(ChangeWidth),
            Separator,
            Clean(transition.Reason));
    }

    /// <summary>Reads a line back; null for anything that is not one (a torn last line, a hand edit).</summary>
    public static Transition? Parse(string line)
    {
        var parts = line.Split(Separator, 4);
        if (parts.Length != 4 ||
            !DateTime.TryParseExact(parts[0], TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at))
        {
            return null;
        }

        var change = parts[2].Trim();
        var arrow = change.IndexOf(Arrow, StringComparison.Ordinal);
        if (arrow <= 0)
        {
            return null;
        }

        var to = change[(arrow + Arrow.Length)..];
        return new Transition(
            new DateTimeOffset(at, TimeSpan.Zero),
            parts[1].Trim(),
            null,
            change[..arrow],
            to,
            IsUpLabel(to),
            parts[3].Trim());
    }

    /// <summary>Up labels: <c>up</c>, <c>open</c> and any 2xx status code.</summary>
    public static bool IsUpLabel(string label) =>
        label is "up" or "open" ||
        (label.Length == 3 && label[0] == '2' && char.IsAsciiDigit(label[1]) && char.IsAsciiDigit(label[2]));
}
