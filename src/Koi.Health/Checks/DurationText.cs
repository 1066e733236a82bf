using System.Globalization;
using Koi.Core.Errors;

namespace Koi.Health.Checks;

/// <summary>Parses the durations operators type: <c>500ms</c>, <c>30s</c>, <c>2m</c>, <c>1h</c>, <c>1d</c>, or plain seconds.</summary>
internal static class DurationText
{
    public static TimeSpan Parse(string field, string text)
    {
        var trimmed = text.Trim().ToLowerInvariant();
        var (number, unit) = Split(trimmed);
        if (number.Length == 0 ||
            !double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) ||
            value <= 0 || double.IsInfinity(value))
        {
            throw Bad(field, text);
        }

        return unit switch
        {
            "ms" => TimeSpan.FromMilliseconds(value),
            "" or "s" => TimeSpan.FromSeconds(value),
            "m" => TimeSpan.FromMinutes(Math.Min(value, 1e6)),
            "h" => TimeSpan.FromHours(Math.Min(value, 1e5)),
            "d" => TimeSpan.FromDays(Math.Min(value, 1e4)),
            _ => throw Bad(field, text),
        };
    }

    public static string Format(TimeSpan span) => span switch
    {
        { TotalMilliseconds: < 1000 } => $"{span.TotalMilliseconds:0}ms",
        { TotalSeconds: < 120 } => $"{span.TotalSeconds:0.###}s",
        { TotalMinutes: < 120 } => $"{span.TotalMinutes:0.##}m",
        { TotalHours: < 48 } => $"{span.TotalHours:0.##}h",
        _ => $"{span.TotalDays:0.##}d",
    };

    private static (string Number, string Unit) Split(string text)
    {
        var end = text.Length;
        while (end > 0 && char.IsAsciiLetter(text[end - 1]))
        {
            end--;
        }

        return (text[..end], text[end..]);
    }

    private static KoiException Bad(string field, string text) =>
        new(KoiErrorCode.InvalidRequest, $"{field} must be a duration such as 500ms, 30s, 2m or 1h (got '{text}')");
}
