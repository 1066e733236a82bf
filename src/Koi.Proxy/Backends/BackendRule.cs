using System.Net;
using System.Net.Sockets;
using Koi.Core.Errors;
using Koi.Core.Net;
using Koi.Proxy.Entries;

namespace Koi.Proxy.Backends;

/// <summary>
/// The unencrypted hop stays on this machine unless the operator opted in with <c>--backend-remote</c>.
/// Every path to a backend goes through here — adding an entry, loading one at start, and every connection (a name
/// is resolved again then, so a name that later points elsewhere is refused too).
/// </summary>
internal static class BackendRule
{
    /// <summary>The addresses a connection may use: all of them for a remote backend, else only loopback ones.</summary>
    public static IPAddress[] Permitted(IPAddress[] resolved, bool remote)
    {
        if (remote)
        {
            return resolved;
        }

        var count = 0;
        foreach (var address in resolved)
        {
            count += IpRanges.IsLoopback(address) ? 1 : 0;
        }

        if (count == resolved.Length)
        {
            return resolved;
        }

        var permitted = new IPAddress[count];
        var i = 0;
        foreach (var address in resolved)
        {
            if (IpRanges.IsLoopback(address))
            {
                permitted[i++] = address;
            }
        }

        return permitted;
    }

    /// <summary>
    /// Resolves the backend and applies the rule for an entry being added: a local backend must resolve, and only to
    /// loopback addresses. Throws 400 naming the addresses and the remedy.
    /// </summary>
    public static async Task<IPAddress[]> CheckAsync(BackendTarget target, bool remote, Func<string, CancellationToken, Task<IPAddress[]>> resolve, CancellationToken ct)
    {
        var resolved = await ResolveAsync(target, resolve, ct);
        if (resolved.Length == 0)
        {
            throw ProxyEntryValidator.Invalid($"backend host '{target.Host}' does not resolve to any address");
        }

        if (remote)
        {
            return resolved;
        }

        var outside = resolved.Where(a => !IpRanges.IsLoopback(a)).Select(a => a.ToString()).ToList();
        if (outside.Count > 0)
        {
            throw new KoiException(
                KoiErrorCode.InvalidRequest,
                $"backend '{target.Url}' is not on this machine ({(target.Literal is null ? $"{target.Host} resolves to {string.Join(", ", outside)}" : target.Host)}, not a loopback address): " +
                "the hop from the proxy to the backend is unencrypted, so it must stay on this machine. " +
                "Pass --backend-remote (\"backend_remote\": true) to forward over the network anyway.");
        }

        return resolved;
    }

    /// <summary>
    /// Null, or why the backend is koi's own HTTP API: the API takes loopback callers for this machine's user, so a
    /// proxy entry in front of it would serve the management API to the network. A remote backend on that port of
    /// another machine is fine; only loopback addresses count.
    /// </summary>
    public static string? DaemonApiProblem(BackendTarget target, IReadOnlyList<IPAddress> addresses, int? daemonApiPort)
    {
        if (daemonApiPort != target.Port || !addresses.Any(IpRanges.IsLoopback))
        {
            return null;
        }

        return $"backend '{target.Url}' is koi's own API (port {target.Port} on this machine): the API trusts callers on " +
               "loopback, so proxying to it would expose it to the network. Choose the service's own port.";
    }

    public static async Task<IPAddress[]> ResolveAsync(BackendTarget target, Func<string, CancellationToken, Task<IPAddress[]>> resolve, CancellationToken ct)
    {
        if (target.Literal is { } literal)
        {
            return [literal];
        }

        try
        {
            return await resolve(target.Host, ct);
        }
        catch (SocketException ex)
        {
            throw ProxyEntryValidator.Invalid($"backend host '{target.Host}' does not resolve ({ex.Message})");
        }
    }

    public static Task<IPAddress[]> SystemResolve(string host, CancellationToken ct) => Dns.GetHostAddressesAsync(host, ct);
}
