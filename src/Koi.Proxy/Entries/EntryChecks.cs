using System.Net;
using System.Net.Sockets;
using Koi.Core.Errors;
using Koi.Proxy.Backends;
using Koi.Proxy.Certificates;
using Koi.Proxy.Listening;
using Koi.Proxy.Routing;

namespace Koi.Proxy.Entries;

/// <summary>
/// What <c>proxy add</c> checks before it changes anything, each failure a <see cref="KoiException"/> that answers the
/// request: port sharing among entries, the backend rule, the certificate, and the port itself.
/// </summary>
internal static class EntryChecks
{
    /// <summary>
    /// Several entries may listen on the same address and port when each has a name clients can ask for by SNI and no
    /// two serve the same name; an entry on every address and another on one address of the same port cannot both bind.
    /// </summary>
    public static void PortSharing(ProxyEntry entry, IEnumerable<ProxyEntry> entries, Func<ProxyEntry, IReadOnlyList<string>> namesOf)
    {
        var others = entries.Where(e => e.Overlaps(entry)).ToList();
        if (others.Count == 0)
        {
            return;
        }

        if (others.FirstOrDefault(e => e.ListenAddress != entry.ListenAddress) is { } taken)
        {
            throw new KoiException(KoiErrorCode.Conflict, $"port {entry.ListenPort} is already served by proxy entry '{taken.Name}' ({taken.ListenText}); entries share a port only on the same listen address");
        }

        if (others.Concat([entry]).FirstOrDefault(e => !ServedNames.IsDnsLabel(e.Name)) is { } unnamed)
        {
            throw new KoiException(KoiErrorCode.Conflict, $"port {entry.ListenPort} can be shared only by entries whose names are DNS labels (letters, digits, inner '-'), which clients ask for by SNI; '{unnamed.Name}' is not one");
        }

        var names = namesOf(entry);
        foreach (var other in others)
        {
            if (namesOf(other).Intersect(names, StringComparer.OrdinalIgnoreCase).FirstOrDefault() is { } clash)
            {
                throw new KoiException(KoiErrorCode.Conflict, $"{clash} is served by proxy entry '{other.Name}' on port {entry.ListenPort} already");
            }
        }
    }

    /// <summary>The backend rule (docs/proxy.md), then the certificate in <paramref name="directory"/>, loaded.</summary>
    public static async Task<LoadedCertificate> BackendAndCertificateAsync(
        ProxyEntry entry,
        string directory,
        Func<string, CancellationToken, Task<IPAddress[]>> resolve,
        int? daemonApiPort,
        DateTimeOffset now,
        CancellationToken ct)
    {
        var resolved = await BackendRule.CheckAsync(entry.Target, entry.BackendRemote, resolve, ct);
        if (BackendRule.DaemonApiProblem(entry.Target, resolved, daemonApiPort) is { } problem)
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, problem);
        }

        try
        {
            return CertificateLoader.Load(directory, now);
        }
        catch (CertificateProblemException ex)
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, ex.Message);
        }
    }

    /// <summary>The entry's listening socket, bound now so that "address in use" answers the request.</summary>
    public static Socket Bind(ProxyEntry entry)
    {
        try
        {
            return ListenSocket.Bind(entry.ListenEndPoint);
        }
        catch (SocketException ex)
        {
            throw new KoiException(BindErrorCode(ex.SocketErrorCode), ListenSocket.Describe(ex, entry.ListenText));
        }
    }

    private static string BindErrorCode(SocketError error) => error switch
    {
        SocketError.AccessDenied => KoiErrorCode.Forbidden,
        SocketError.AddressNotAvailable => KoiErrorCode.InvalidRequest,
        _ => KoiErrorCode.Conflict,
    };
}
