using System.Globalization;
using Koi.Cli.Rendering;
using Koi.Health.Api;
using Koi.Health.Checks;
using Koi.Health.Transitions;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Koi.Cli.Commands.Health;

/// <summary>
/// The layout of docs/health.md — Machines, then Services, then the proxied services when there are any, one line each —
/// shared by <c>status</c> and <c>watch</c>.
/// Lines are built as plain text first so they can be cut to the terminal width, then coloured.
/// </summary>
internal static class HealthView
{
    private const int NameWidth = 12;
    private const int StateWidth = 6;
    private const int WhenWidth = 21;

    /// <param name="wholeLine">Colour the whole line (watch) instead of only the mark (status).</param>
    public static IReadOnlyList<IRenderable> Lines(HealthStatusView status, int width, bool wholeLine)
    {
        var lines = new List<IRenderable>();
        if (status.Problem is not null)
        {
            lines.Add(new Markup($"[red]{TerminalText.Markup(Fit("  problem: " + status.Problem, width))}[/]"));
            lines.Add(Text.Empty);
        }

        lines.Add(new Text("  Machines"));
        lines.Add(new Text("  ────────"));
        if (status.Machines.Count == 0)
        {
            lines.Add(new Markup($"[dim]{TerminalText.Markup(Fit("  none yet — koi sees machines through mDNS", width))}[/]"));
        }

        foreach (var machine in status.Machines)
        {
            var when = "last seen: " + Ago(machine.LastSeen, status.Now);
            lines.Add(Line(machine.Name, machine.State, machine.State, when, MachineExtra(machine), width, wholeLine));
        }

        lines.Add(Text.Empty);
        lines.Add(new Text("  Services"));
        lines.Add(new Text("  ────────"));
        if (status.Services.Count == 0)
        {
            lines.Add(new Markup($"[dim]{TerminalText.Markup(Fit("  none — add one with: koi health add NAME --http URL", width))}[/]"));
        }

        foreach (var service in status.Services)
        {
            var when = "checked: " + Ago(service.CheckedAt, status.Now);
            lines.Add(Line(service.Name, service.State, service.Label ?? "…", when, service.Endpoint, width, wholeLine));
        }

        if (status.Proxies is { Count: > 0 } proxies)
        {
            lines.Add(Text.Empty);
            lines.Add(new Text("  Proxies"));
            lines.Add(new Text("  ───────"));
            foreach (var proxy in proxies)
            {
                var when = "since: " + Ago(proxy.Since, status.Now);
                var route = string.Create(CultureInfo.InvariantCulture, $":{proxy.ListenPort} → {proxy.Backend}");
                var extra = proxy.Detail is null ? route : route + "  " + proxy.Detail;
                lines.Add(Line(proxy.Name, proxy.State, proxy.State, when, extra, width, wholeLine));
            }
        }

        return lines;
    }

    public static string Ago(DateTimeOffset? at, DateTimeOffset now)
    {
        if (at is not { } then)
        {
            return "never";
        }

        var seconds = Math.Max(0, (long)(now - then).TotalSeconds);
        return seconds switch
        {
            < 60 => string.Create(CultureInfo.InvariantCulture, $"{seconds}s ago"),
            < 3600 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 60}m ago"),
            < 172_800 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600}h ago"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{seconds / 86400}d ago"),
        };
    }

    /// <summary>Cuts a line to the terminal width so a refresh in place never wraps.</summary>
    public static string Fit(string line, int width) =>
        width > 1 && line.Length > width ? line[..(width - 1)] + "…" : line;

    private static string MachineExtra(MachineView machine)
    {
        var parts = new List<string>();
        if (machine.Cert is { } cert)
        {
            parts.Add(cert.Warning is { } warning ? $"cert: ⚠ {warning}"
                : cert.ChainValid ? string.Create(CultureInfo.InvariantCulture, $"cert: {cert.DaysRemaining}d remaining")
                : "cert: chain invalid");
        }

        if (machine.Dns is { Resolves: false })
        {
            parts.Add("dns: not resolving");
        }

        return string.Join("  ", parts);
    }

    private static Markup Line(string name, string state, string label, string when, string extra, int width, bool wholeLine)
    {
        var (mark, colour) = state switch
        {
            "up" => ("✓", "green"),
            "down" => ("✗", "red"),
            _ => ("?", "yellow"),
        };
        var rest = string.Concat(" ", label.PadRight(StateWidth), " ", when.PadRight(WhenWidth), " ", extra).TrimEnd();
        var plain = Fit("  " + name.PadRight(NameWidth) + " " + mark + rest, width);
        if (wholeLine)
        {
            return new Markup($"[{colour}]{TerminalText.Markup(plain)}[/]");
        }

        // Colour only the mark: find it after the padded name (a long name pushes it right).
        var at = plain.IndexOf(mark, 2 + Math.Min(name.Length, NameWidth), StringComparison.Ordinal);
        return at < 0
            ? new Markup(TerminalText.Markup(plain))
            : new Markup($"{TerminalText.Markup(plain[..at])}[{colour}]{mark}[/]{TerminalText.Markup(plain[(at + 1)..])}");
    }
}
