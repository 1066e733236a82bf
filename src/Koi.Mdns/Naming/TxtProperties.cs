using System.Text;
using Koi.Core.Errors;
using Koi.Dns.Protocol.Records;

namespace Koi.Mdns.Naming;

/// <summary>
/// DNS-SD TXT properties (RFC 6763 §6): each <c>key=value</c> string at most 255 bytes, keys of printable ASCII other
/// than <c>=</c>, unique ignoring case. No properties is one empty string on the wire, which the codec does.
/// </summary>
internal static class TxtProperties
{
    /// <summary>RFC 6763 §6.2: larger records no longer fit one Ethernet packet with the rest of an answer.</summary>
    public const int MaxTotalBytes = 1300;

    public static TxtRecordData Encode(IReadOnlyDictionary<string, string>? properties)
    {
        if (properties is null || properties.Count == 0)
        {
            return new TxtRecordData();
        }

        var strings = new List<ReadOnlyMemory<byte>>(properties.Count);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var total = 0;
        foreach (var (key, value) in properties)
        {
            ValidateKey(key);
            if (!seen.Add(key))
            {
                throw new KoiException(KoiErrorCode.InvalidRequest, $"TXT key '{key}' appears twice (keys ignore case)");
            }

            var bytes = Encoding.UTF8.GetBytes($"{key}={value}");
            if (bytes.Length > TxtRecordData.MaxStringLength)
            {
                throw new KoiException(
                    KoiErrorCode.InvalidRequest,
                    $"TXT entry '{key}' is {bytes.Length} bytes; key=value must be at most {TxtRecordData.MaxStringLength} bytes");
            }

            total += bytes.Length + 1;
            strings.Add(bytes);
        }

        if (total > MaxTotalBytes)
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, $"TXT record is {total} bytes; at most {MaxTotalBytes} are allowed");
        }

        return new TxtRecordData(strings);
    }

    /// <summary>Parses <c>k=v</c> command-line style entries into a property map; throws invalid_request on a bad one.</summary>
    public static Dictionary<string, string> ParsePairs(IEnumerable<string> pairs)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = equals < 0 ? pair : pair[..equals];
            result[key] = equals < 0 ? string.Empty : pair[(equals + 1)..];
        }

        return result;
    }

    /// <summary>Decodes received strings; the first occurrence of a key wins (RFC 6763 §6.4), empty strings are skipped.</summary>
    public static IReadOnlyDictionary<string, string> Decode(TxtRecordData? txt)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (txt is null)
        {
            return result;
        }

        foreach (var entry in txt.Strings)
        {
            var span = entry.Span;
            if (span.IsEmpty)
            {
                continue;
            }

            var equals = span.IndexOf((byte)'=');
            if (equals == 0)
            {
                continue;
            }

            var key = Encoding.ASCII.GetString(equals < 0 ? span : span[..equals]);
            var value = equals < 0 ? string.Empty : Encoding.UTF8.GetString(span[(equals + 1)..]);
            result.TryAdd(key, value);
        }

        return result;
    }

    private static void ValidateKey(string key)
    {
        if (string.IsNullOrEmpty(key))
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, "TXT key may not be empty");
        }

        foreach (var c in key)
        {
            if (c is < (char)0x20 or > (char)0x7E or '=')
            {
                throw new KoiException(KoiErrorCode.InvalidRequest, $"TXT key '{key}' must be printable ASCII without '='");
            }
        }
    }
}
