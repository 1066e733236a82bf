using System.Globalization;
using System.Text;

namespace Koi.Certmesh.Audit;

/// <summary>
/// One audit line: <c>ISO-8601 event key=value … seq=N prev=HASH sig=SIG</c>. Values are percent-encoded outside a
/// small safe set, so no input (spaces, newlines, '=') can forge a field or a line.
/// </summary>
internal sealed record AuditLine(DateTimeOffset At, string Event, IReadOnlyList<KeyValuePair<string, string>> Fields, long Seq, string Prev, string Signature)
{
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>The text the signature covers: everything up to (not including) <c> sig=</c>.</summary>
    public static string Body(DateTimeOffset at, string eventName, IEnumerable<KeyValuePair<string, string>> fields, long seq, string prev)
    {
        var text = new StringBuilder();
        text.Append(at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)).Append(' ').Append(eventName);
        foreach (var (key, value) in fields)
        {
            text.Append(' ').Append(key).Append('=').Append(Escape(value));
        }

        text.Append(" seq=").Append(seq.ToString(CultureInfo.InvariantCulture)).Append(" prev=").Append(prev);
        return text.ToString();
    }

    public static string Escape(string value)
    {
        var text = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (b < 0x80 && (char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '/' or '@' or '+' or ',' or '-'))
            {
                text.Append(c);
            }
            else
            {
                text.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return text.ToString();
    }

    public static string Unescape(string value) => Uri.UnescapeDataString(value);

    /// <summary>Parses a line; null when it is not in the audit format at all.</summary>
    public static AuditLine? TryParse(string line)
    {
        var parts = line.Split(' ');
        if (parts.Length < 5 || !DateTimeOffset.TryParse(parts[0], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return null;
        }

        var fields = new List<KeyValuePair<string, string>>();
        long? seq = null;
        string? prev = null;
        string? sig = null;
        for (var i = 2; i < parts.Length; i++)
        {
            var equals = parts[i].IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                return null;
            }

            var key = parts[i][..equals];
            var value = parts[i][(equals + 1)..];
            switch (key)
            {
                case "seq" when long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n):
                    seq = n;
                    break;
                case "prev":
                    prev = value;
                    break;
                case "sig":
                    sig = value;
                    break;
                default:
                    fields.Add(new(key, Unescape(value)));
                    break;
            }
        }

        return seq is null || prev is null || sig is null ? null : new AuditLine(at, parts[1], fields, seq.Value, prev, sig);
    }
}
