using System.Net;
using Koi.Core.Discovery;
using Koi.Core.Status;

namespace Koi.Mdns.Tests.Transport;

/// <summary>
/// Real sockets, only ever inside a private network namespace: never multicast from the machine's own namespace.
/// Skipped where a namespace cannot be made.
/// </summary>
public class UdpTransportSmokeTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RealSockets_InNetworkNamespace_AnnounceLegacyQueryBrowseAndResolve(bool ipv6)
    {
        var unavailable = NetworkNamespace.Unavailable();
        Assert.SkipWhen(unavailable is not null, unavailable ?? string.Empty);
        var ct = TestContext.Current.CancellationToken;
        using var ns = NetworkNamespace.Create();
        Assert.True(!ipv6 || ns.WaitForIPv6(), "the link-local address stayed tentative");
        // The interface watch runs on pool threads, which are outside the namespace: off here.
        var options = new MdnsOptions { Interfaces = [NetworkNamespace.Interface], EnableIPv6 = ipv6, InterfaceCheckInterval = TimeSpan.Zero };
        var status = new StatusRegistry(TimeProvider.System);
        await using var announcer = await ns.RunInsideAsync(() => StartInside(options with { HostName = "smoke-a" }, status));
        Assert.Equal(NetworkNamespace.Interface, Assert.Single(announcer.Stats.Interfaces).Name);

        var registration = await announcer.RegisterAsync(
            new ServiceRegistration { Name = "Smoke", Type = "_http._tcp", Port = 8080, Txt = new Dictionary<string, string> { ["v"] = "1" } }, ct);
        // Legacy unicast (RFC 6762 §6.7): a plain resolver on another port gets a normal DNS answer.
        var dig = ns.Exec("dig", $"+short +time=2 +tries=1 -p 5353 @{NetworkNamespace.Address} -t SRV Smoke._http._tcp.local");

        await using var browser = await ns.RunInsideAsync(() => StartInside(options with { HostName = "smoke-b" }, new StatusRegistry(TimeProvider.System)));
        using var window = CancellationTokenSource.CreateLinkedTokenSource(ct);
        window.CancelAfter(TimeSpan.FromSeconds(10));
        DiscoveredService? resolved = null;
        await foreach (var change in browser.BrowseAsync("_http._tcp", window.Token))
        {
            if (change.Kind == ServiceChangeKind.Resolved)
            {
                resolved = change.Service;
                break;
            }
        }

        var byName = await browser.ResolveAsync("Smoke._http._tcp", TimeSpan.FromSeconds(3), ct);

        Assert.Equal("Smoke", registration.Name);
        Assert.Contains("8080 smoke-a.local.", dig, StringComparison.Ordinal);
        Assert.NotNull(resolved);
        Assert.Equal("smoke-a.local", resolved.Host);
        Assert.Equal(8080, resolved.Port);
        Assert.Equal(IPAddress.Parse(NetworkNamespace.Address), resolved.Addresses[0]);
        Assert.Equal(ipv6, resolved.Addresses.Any(a => a.IsIPv6LinkLocal));
        Assert.Equal("1", resolved.Txt["v"]);
        Assert.Equal(8080, byName?.Port);
        Assert.Contains(status.Snapshot("mdns"), c => c.Name == "mdns/receive.d0.ipv4" && c.State == ComponentState.Running);
        Assert.Equal(ipv6, status.Snapshot("mdns").Any(c => c.Name == "mdns/receive.d0.ipv6" && c.State == ComponentState.Running));
        Assert.True(announcer.Stats.PacketsOut > 0);
    }

    private static MdnsEngine StartInside(MdnsOptions options, StatusRegistry status)
    {
        var engine = MdnsEngine.Create(options, status: status);
        // Sockets and interface enumeration happen here, on the thread that is inside the namespace.
        engine.StartAsync().GetAwaiter().GetResult();
        return engine;
    }
}
