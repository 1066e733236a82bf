using System.Globalization;
using System.Text.RegularExpressions;

namespace Koi.Scenarios.Harness;

/// <summary>One line of <c>avahi-browse -p</c>: <c>+</c> new, <c>=</c> resolved, <c>-</c> removed.</summary>
internal sealed partial record AvahiLine(char Event, string Interface, string Protocol, string Instance, string Type, string? Host, string? Address, int Port, string? Txt)
{
    /// <summary>Parses parsable output, turning avahi's <c>\DDD</c> escapes back into characters.</summary>
    public static List<AvahiLine> Parse(string output)
    {
        var lines = new List<AvahiLine>();
        foreach (var raw in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = raw.Split(';');
            if (fields.Length < 6 || fields[0].Length != 1 || fields[0][0] is not ('+' or '=' or '-'))
            {
                continue;
            }

            var resolved = fields[0] == "=" && fields.Length >= 10;
            lines.Add(new AvahiLine(
                fields[0][0],
                fields[1],
                fields[2],
                Unescape(fields[3]),
                fields[4],
                resolved ? fields[6] : null,
                resolved ? fields[7] : null,
                resolved ? int.Parse(fields[8], CultureInfo.InvariantCulture) : 0,
                resolved ? string.Join(';', fields[9..]) : null));
        }

        return lines;
    }

    private static string Unescape(string text) =>
        Escape().Replace(text, m => ((char)int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToString());

    [GeneratedRegex(@"\\(\d{3})")]
    private static partial Regex Escape();
}
