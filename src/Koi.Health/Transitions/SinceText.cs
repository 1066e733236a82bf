using System.Globalization;
using Koi.Core.Errors;
using Koi.Health.Checks;

namespace Koi.Health.Transitions;

/// <summary>
/// Reads <c>--since</c>: a duration back from now (<c>90m</c>, <c>2d</c>), a UTC date (<c>2026-02-10</c>), a UTC date
/// and time as the log prints it (<c>2026-02-10 14:30:00</c>), or ISO 8601 with an offset.
/// </summary>
internal static class SinceText
{
    private static readonly string[] Formats =
    [
        "yyyy-MM-dd",
        "yyyy-MM-dd HH:mm",
        "yyyy-MM-dd HH:mm:ss",
        "yyyy-MM-dd'T'HH:mm",
        "yyyy-MM-dd'T'HH:mm:ss",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd HH:mm:ssK",
    ];

    public static DateTimeOffset? Parse(string? text, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var trimmed = text.Trim();
        if (DateTimeOffset.TryParseExact(trimmed, Formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return at;
        }

        if (char.IsAsciiDigit(trimmed[0]) && char.IsAsciiLetter(trimmed[^1]))
        {
            try
            {
                return now - DurationText.Parse("since", trimmed);
            }
            catch (KoiException)
            {
            }
        }

        throw new KoiException(KoiErrorCode.InvalidRequest, $"since must be a duration (90m, 2d), a date (2026-02-10) or a UTC time (2026-02-10 14:30:00) (got '{text}')");
    }
}
