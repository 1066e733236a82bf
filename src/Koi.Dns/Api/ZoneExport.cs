using System.Text;
using Koi.Core.Errors;
using Koi.Dns.Zone;

namespace Koi.Dns.Api;

/// <summary>
/// The zone in the formats of the tools people keep next to koi: a hosts file, dnsmasq configuration lines, or JSON
/// (for Pi-hole, AdGuard and friends, see docs/dns.md).
/// </summary>
internal static class ZoneExport
{
    public static IReadOnlyList<string> Formats { get; } = ["hosts", "dnsmasq", "json"];

    public static string Text(ZoneSnapshot snapshot, string format)
    {
        var text = new StringBuilder();
        text.Append("# koi dns zone ").Append(snapshot.ZoneText).Append(", serial ").Append(snapshot.Serial).Append('\n');
        foreach (var entry in snapshot.Entries)
        {
            switch (format, entry.Type)
            {
                case ("hosts", "A" or "AAAA"):
                    text.Append(entry.Value).Append('\t').Append(entry.Name).Append('\n');
                    break;
                case ("dnsmasq", "A" or "AAAA"):
                    // host-record is exact; address=/name/ would also answer every name below it.
                    text.Append("host-record=").Append(entry.Name).Append(',').Append(entry.Value).Append('\n');
                    break;
                case ("dnsmasq", "SRV"):
                    var parts = entry.Value.Split(' ');
                    text.Append("srv-host=").Append(entry.Name).Append(',').Append(parts[3].TrimEnd('.'))
                        .Append(',').Append(parts[2]).Append(',').Append(parts[0]).Append(',').Append(parts[1]).Append('\n');
                    break;
                case ("dnsmasq", "TXT"):
                    text.Append("txt-record=").Append(entry.Name).Append(',').Append(entry.Value.Replace("\" \"", "\",\"", StringComparison.Ordinal)).Append('\n');
                    break;
                case ("hosts" or "dnsmasq", _):
                    break;
                default:
                    throw Unknown(format);
            }
        }

        return text.ToString();
    }

    public static KoiException Unknown(string? format) =>
        new(KoiErrorCode.InvalidRequest, $"format '{format}' is not one of {string.Join(", ", Formats)}");
}
