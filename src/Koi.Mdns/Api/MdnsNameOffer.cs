using Koi.Core.Naming;
using Microsoft.Extensions.Hosting;

namespace Koi.Mdns.Api;

/// <summary>
/// Offers the labels of the <c>_x._tcp</c> services announced from this machine on the <see cref="ServiceNameBoard"/>
/// (<c>_grafana._tcp</c> → <c>grafana</c>), so certmesh asks the CA to put <c>grafana.&lt;zone&gt;</c> on this
/// machine's certificate — the names DNS generates from the same announcements (docs/certmesh.md "Service names").
/// koi's own <c>_koi._tcp</c> and <c>_certmesh._tcp</c> are infrastructure, not services people browse to, and are left out.
/// </summary>
internal sealed class MdnsNameOffer(MdnsEngine engine, ServiceNameBoard board) : IHostedService
{
    public const string Source = "mdns";

    private static readonly string[] Infrastructure = ["koi", "certmesh"];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        engine.RegistrationsChanged += OnChanged;
        OnChanged(this, EventArgs.Empty);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        engine.RegistrationsChanged -= OnChanged;
        return Task.CompletedTask;
    }

    /// <summary>The service label of <paramref name="serviceType"/> (<c>_grafana._tcp</c> → <c>grafana</c>); null for UDP or koi's own types.</summary>
    public static string? Label(string serviceType)
    {
        var parts = serviceType.ToLowerInvariant().Split('.');
        if (parts.Length < 2 || parts[1] != "_tcp" || parts[0].Length < 2 || parts[0][0] != '_')
        {
            return null;
        }

        var label = parts[0][1..];
        return Infrastructure.Contains(label, StringComparer.Ordinal) ? null : label;
    }

    private void OnChanged(object? sender, EventArgs e) =>
        board.Offer(Source, engine.Registrations().Select(r => Label(r.Type)).OfType<string>());
}
