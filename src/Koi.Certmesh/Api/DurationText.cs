using System.Globalization;
using Koi.Core.Errors;

namespace Koi.Certmesh.Api;

/// <summary>Parses the short durations operators type: <c>90s</c>, <c>30m</c>, <c>2h</c>, <c>1d</c>, or plain seconds.</summary>
internal static class DurationText
{
    public static TimeSpan Parse(string text)
    {
        var trimmed = text.Trim().ToLowerInvariant();
        if (trimmed.Length == 0)
        {
            throw Bad(text);
        }

        var unit = trimmed[^1];
        var number = char.IsAsciiDigit(unit) ? trimmed : trimmed[..^1];
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            throw Bad(text);
        }

        return unit switch
        {
            's' or >= '0' and <= '9' => TimeSpan.FromSeconds(value),
            'm' => TimeSpan.FromMinutes(value),
            'h' => TimeSpan.FromHours(value),
            'd' => TimeSpan.FromDays(value),
            _ => throw Bad(text),
        };
    }

    private static KoiException Bad(string text) =>
        new(KoiErrorCode.InvalidRequest, $"duration must look like 90s, 30m, 2h or 1d (got '{text}')");
}
