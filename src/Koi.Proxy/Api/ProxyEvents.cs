namespace Koi.Proxy.Api;

/// <summary>Data of the <c>backend_up</c> / <c>backend_down</c> events on <c>/v1/events</c> (docs/proxy.md).</summary>
/// <param name="Reason">Why the backend is down; absent on <c>backend_up</c>.</param>
internal sealed record ProxyBackendEvent(string Name, string Backend, string? Reason = null);

/// <summary>Data of <c>certificate_loaded</c>: the certificate an entry now presents.</summary>
internal sealed record ProxyCertificateEvent(string Name, string Serial, DateTimeOffset NotAfter);

/// <summary>Data of <c>listener_failed</c>.</summary>
internal sealed record ProxyListenerFailedEvent(string Name, string Reason);

/// <summary>Data of <c>entry_removed</c>.</summary>
internal sealed record ProxyEntryRemovedEvent(string Name);
