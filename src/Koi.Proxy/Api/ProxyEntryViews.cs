using Koi.Core.Naming;
using Koi.Core.Paths;
using Koi.Core.Proxy;
using Koi.Proxy.Backends;
using Koi.Proxy.Certificates;
using Koi.Proxy.Entries;
using Koi.Proxy.Listening;
using Koi.Proxy.Naming;
using Koi.Proxy.Routing;

namespace Koi.Proxy.Api;

/// <summary>
/// What the API, the CLI and other capabilities are shown of the entries: the configured entry, its live status with
/// the URL to type and the checks that make it green, and the facts health reads. Reads memory only.
/// </summary>
internal sealed class ProxyEntryViews(
    ProxyOptions options,
    KoiPaths paths,
    string hostname,
    TimeProvider time,
    EntryAnnouncer names,
    NameResolutionMonitor resolution,
    ServiceNameBoard board)
{
    public ProxyEntryView ViewOf(ProxyEntry entry) => new(
        entry.Name,
        entry.ListenText,
        entry.ListenPort,
        entry.ListenAddress,
        entry.Backend,
        entry.BackendRemote,
        CertificateLocation.Directory(entry.CertPath, paths, hostname),
        entry.CertPath is null,
        entry.AddedAt,
        entry.Http2,
        entry.Clients);

    public ProxyEntryStatusView StatusOf(ProxyListener listener)
    {
        var status = listener.Status;
        var backend = listener.Backend.Snapshot;
        var counters = listener.Counters;
        var lastError = listener.LastError;
        var checks = ChecksOf(listener, backend);
        var announcement = names.Of(listener.Entry);
        return new ProxyEntryStatusView(
            listener.Entry.Name,
            listener.Entry.ListenText,
            listener.Entry.Backend,
            listener.Entry.BackendRemote,
            status.State.ToString().ToLowerInvariant(),
            status.Detail,
            status.Since,
            backend.State.ToString().ToLowerInvariant(),
            backend.Detail,
            backend.Since,
            counters.Open,
            counters.Accepted,
            counters.BytesIn,
            counters.BytesOut,
            counters.HandshakeFailures,
            counters.BackendFailures,
            counters.Rejected,
            counters.IdleClosed,
            counters.Evicted,
            CertificateOf(listener.Certificates),
            lastError?.Text,
            lastError?.At,
            listener.Entry.Clients,
            counters.ClientsRefused,
            UrlOf(listener.Entry),
            status.State == ListenerState.Listening && checks.All(c => c.Ok),
            checks,
            listener.ServedNames,
            announcement.Announced ? announcement.ServiceType : null,
            [.. board.Decisions()
                .Where(d => !d.Granted && listener.ServedNames.Contains(d.Name, StringComparer.OrdinalIgnoreCase))
                .Select(d => new RefusedNameView(d.Name, d.Reason))]);
    }

    /// <summary>The host users type for <paramref name="entry"/>: its alias, or this machine's name when it has none.</summary>
    public string UrlHostOf(ProxyEntry entry) =>
        (!entry.NoAlias && ServedNames.AliasProblem(entry.Name) is null ? $"{entry.Name}.{options.Zone}" : $"{hostname}.{options.Zone}").ToLowerInvariant();

    private string UrlOf(ProxyEntry entry) => UrlFor(UrlHostOf(entry), entry.ListenPort);

    /// <summary><c>https://grafana.lan/</c> on 443, the port written out otherwise.</summary>
    internal static string UrlFor(string host, int port) => port == 443 ? $"https://{host}/" : $"https://{host}:{port}/";

    private List<ProxyCheckView> ChecksOf(ProxyListener listener, (BackendState State, string? Detail, DateTimeOffset Since) backend)
    {
        var host = UrlHostOf(listener.Entry);
        var resolved = resolution.Result(host);
        var certificate = listener.Certificates.Current;
        var now = time.GetUtcNow();
        var named = certificate is not null && certificate.Names.Any(n => CertificateNames(n, host));
        return
        [
            new("name_resolves", resolved?.Resolves == true, resolved?.Detail ?? $"{host}: not checked yet"),
            new("certificate_names_it", named, certificate is null ? "no certificate loaded"
                : named ? $"the certificate names {host}"
                : $"the certificate does not name {host} (it names {string.Join(", ", certificate.Names)}); certmesh asks the CA for it"),
            new("certificate_valid", certificate is not null && certificate.NotBefore <= now && now < certificate.NotAfter, certificate is null ? "no certificate loaded"
                : now < certificate.NotBefore ? $"not valid before {certificate.NotBefore:u}"
                : now >= certificate.NotAfter ? $"expired at {certificate.NotAfter:u}"
                : $"valid until {certificate.NotAfter:u}"),
            new("backend_up", backend.State == BackendState.Reachable, backend.State switch
            {
                BackendState.Reachable => $"{listener.Entry.Backend} accepts connections",
                BackendState.Unreachable => $"{listener.Entry.Backend}: {backend.Detail}",
                _ => $"{listener.Entry.Backend}: not checked yet",
            }),
        ];
    }

    /// <summary>A certificate's DNS name covers <paramref name="host"/>: the same name, or a wildcard one label up (RFC 6125 §6.4.3).</summary>
    private static bool CertificateNames(string name, string host) =>
        string.Equals(name, host, StringComparison.OrdinalIgnoreCase)
        || (name.StartsWith("*.", StringComparison.Ordinal) && host.IndexOf('.', StringComparison.Ordinal) is > 0 and var dot
            && string.Equals(name[2..], host[(dot + 1)..], StringComparison.OrdinalIgnoreCase));

    private CertificateView CertificateOf(CertificateSource source)
    {
        var current = source.Current;
        var problem = source.Problem?.Text;
        var now = time.GetUtcNow();
        if (current is not null && current.NotAfter <= now)
        {
            problem ??= $"the certificate expired at {current.NotAfter:u}; clients refuse it until certmesh renews it";
        }

        return new CertificateView(
            source.Directory,
            current?.Subject,
            current?.Serial,
            current?.NotAfter,
            current is null ? null : (int)Math.Floor((current.NotAfter - now).TotalDays),
            current?.Names ?? [],
            current?.LoadedAt,
            problem);
    }

    public static ProxyEntryFacts FactsOf(ProxyListener listener)
    {
        var status = listener.Status;
        var backend = listener.Backend.Snapshot;
        var listening = status.State == ListenerState.Listening;
        bool? reachable = backend.State switch
        {
            BackendState.Reachable => true,
            BackendState.Unreachable => false,
            _ => null,
        };
        // Starting and stopping are not problems: other capabilities (health) read "not listening, no problem" as
        // "not decided", so a daemon restart does not look like an outage.
        var problem = status.State == ListenerState.Failed ? status.Detail ?? "failed"
            : !listening ? null
            : reachable == false ? $"backend {listener.Entry.Backend}: {backend.Detail}"
            : null;
        var since = !listening || backend.State == BackendState.Unknown ? status.Since : (backend.Since > status.Since ? backend.Since : status.Since);
        return new ProxyEntryFacts(listener.Entry.Name, listener.Entry.ListenPort, listener.Entry.Backend, listening, reachable, listener.Counters.BackendFailures, problem, since);
    }
}
