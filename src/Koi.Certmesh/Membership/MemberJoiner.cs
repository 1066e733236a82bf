using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Koi.Certmesh.Api;
using Koi.Certmesh.Audit;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Issuing;
using Koi.Certmesh.Trust;
using Koi.Core.Discovery;
using Koi.Core.Errors;
using Koi.Core.Events;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Membership;

/// <summary>
/// This machine joining a CA: verify who answers, generate the key here, send only a
/// CSR, check what comes back against the pinned CA, then write the files, trust the CA and remember the pin.
/// A join that waits for approval keeps its key in memory only, under the CA's request id.
/// </summary>
internal sealed partial class MemberJoiner(
    CertmeshAuthority authority,
    MembershipStore membership,
    CaClient ca,
    IServiceDirectory directory,
    MemberFiles files,
    CertmeshOptions options,
    TimeProvider time,
    ILogger logger,
    IEventBus? events = null) : IDisposable
{
    public const string CertmeshServiceType = "_certmesh._tcp";
    public static readonly TimeSpan PendingLifetime = TimeSpan.FromMinutes(15);

    /// <summary>A <c>--fingerprint</c> prefix this long (64 bits) cannot be matched by a CA made for the purpose.</summary>
    public const int MinFingerprintPrefix = 16;

    private readonly ConcurrentDictionary<string, PendingJoin> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);

    public MembershipStore Membership => membership;

    /// <summary>The CAs mDNS knows of, live ones first.</summary>
    public IReadOnlyList<DiscoveredCa> DiscoverCas() =>
        [.. directory.Services(CertmeshServiceType)
            .Where(s => s.IsResolved && s.Addresses.Count > 0)
            .OrderBy(s => s.IsStale)
            .ThenBy(s => s.Name, StringComparer.Ordinal)
            .Select(s => new DiscoveredCa(
                s.Name,
                s.Host ?? s.Name,
                EndpointOf(s),
                s.Txt.GetValueOrDefault("fingerprint"),
                s.Txt.GetValueOrDefault("profile"),
                s.IsStale))];

    /// <summary>Who answers at <paramref name="endpoint"/>, proven by a signed nonce; nothing is written.</summary>
    public async Task<CaIdentity> IdentifyAsync(string endpoint, CancellationToken cancellationToken)
    {
        endpoint = CaClient.NormalizeEndpoint(endpoint);
        var nonce = HelloVerifier.NewNonce();
        var hello = await ca.HelloAsync(endpoint, nonce, cancellationToken);
        if (HelloVerifier.Problem(hello, nonce, time.GetUtcNow()) is { } problem)
        {
            Audit("ca_identity_rejected", ("endpoint", endpoint), ("reason", problem));
            throw new KoiException(KoiErrorCode.CaFingerprintMismatch, $"the machine at {endpoint} failed the CA identity check: {problem}");
        }

        using var service = X509Certificate2.CreateFromPem(hello.ServiceCert);
        return new CaIdentity(endpoint, hello.Hostname, hello.CaFingerprint, hello.Profile, hello.Enrollment, hello.EnrollmentClosesAt, hello.RequiresApproval)
        {
            MeshPort = hello.MeshPort,
            CaCert = hello.CaCert,
            ServiceCertFingerprint = HelloVerifier.Fingerprint(service),
        };
    }

    public async Task<MemberJoinResult> JoinAsync(MemberJoinRequest request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Endpoint))
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, "missing required field: endpoint");
        }

        if (string.IsNullOrWhiteSpace(request.TotpCode))
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, "missing required field: totp_code");
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            RequireNotEnrolled();
            var identity = await IdentifyAsync(request.Endpoint, cancellationToken);
            var trust = TrustOf(request);
            CheckExpected(identity, request.ExpectedFingerprint, "the fingerprint you confirmed (--fingerprint)");
            CheckExpected(identity, request.AdvertisedFingerprint, "the fingerprint the CA announces over mDNS");
            CheckExpected(identity, request.ShownFingerprint, "the fingerprint shown to you a moment ago");
            identity = identity with { FingerprintTrust = trust };

            var hostname = authority.Hostname;
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var csr = new CertificateRequest($"CN={hostname}", key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
            var addresses = options.ResolveAddresses().Select(a => a.ToString()).ToList();
            var join = new CaJoinRequest(hostname, csr, request.TotpCode.Trim(), addresses);
            (var answer, identity) = await OverTlsAsync(identity, current => CaClient.JoinAsync(current, join, time.GetUtcNow(), cancellationToken), cancellationToken);
            if (answer.ServiceCert is null)
            {
                var id = answer.RequestId ?? throw new KoiException(KoiErrorCode.CaUnreachable, "the CA answered neither a certificate nor a request id");
                SweepPending();
                _pending[id] = new PendingJoin(identity, key.ExportPkcs8PrivateKeyPem(), hostname, time.GetUtcNow());
                LogPending(logger, hostname, identity.Hostname, id);
                return MemberJoinResult.Waiting(id, hostname, identity) with { KeyFingerprint = KeyFingerprint(key) };
            }

            return await FinishAsync(identity, hostname, key, answer, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Asks the CA about a join that waits for approval; completes it once approved.</summary>
    public async Task<MemberJoinResult> PollAsync(string requestId, CancellationToken cancellationToken)
    {
        if (!_pending.TryGetValue(requestId, out var pending))
        {
            throw new KoiException(KoiErrorCode.NotFound, $"no join waiting under request id '{requestId}' (it finished, was cancelled or the daemon restarted)");
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            CaJoinResponse answer;
            try
            {
                CaIdentity identity;
                (answer, identity) = await OverTlsAsync(pending.Identity, current => CaClient.PollAsync(current, requestId, time.GetUtcNow(), cancellationToken), cancellationToken);
                if (!ReferenceEquals(identity, pending.Identity))
                {
                    var renewed = pending with { Identity = identity };
                    _pending.TryUpdate(requestId, renewed, pending);
                    pending = renewed;
                }
            }
            catch (KoiException ex) when (ex.Code is KoiErrorCode.JoinDenied or KoiErrorCode.NotFound)
            {
                _pending.TryRemove(requestId, out _);
                Audit("join_denied", ("ca", pending.Identity.Hostname), ("request_id", requestId), ("reason", ex.Message));
                throw;
            }

            if (answer.ServiceCert is null)
            {
                using var waiting = ECDsa.Create();
                waiting.ImportFromPem(pending.KeyPem);
                return MemberJoinResult.Waiting(requestId, pending.Hostname, pending.Identity) with { KeyFingerprint = KeyFingerprint(waiting) };
            }

            using var key = ECDsa.Create();
            key.ImportFromPem(pending.KeyPem);
            var result = await FinishAsync(pending.Identity, pending.Hostname, key, answer, cancellationToken);
            _pending.TryRemove(requestId, out _);
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Sends over the CA's TLS plane; when the plane presents another certificate of the same CA for the same host than
    /// the hello showed — the CA renewed its own in between (an address change, its schedule) or while a join waited
    /// for approval — asks for one fresh hello, which only the holder of the new certificate's key can sign, and tries
    /// once more. Anything else is refused as before; nothing was sent on the refused connection.
    /// </summary>
    private async Task<(CaJoinResponse Answer, CaIdentity Identity)> OverTlsAsync(CaIdentity identity, Func<CaIdentity, Task<CaJoinResponse>> send, CancellationToken cancellationToken)
    {
        try
        {
            return (await send(identity), identity);
        }
        catch (CaRenewedSinceHelloException ex)
        {
            var fresh = await IdentifyAsync(identity.Endpoint, cancellationToken);
            if (!string.Equals(fresh.CaFingerprint, identity.CaFingerprint, StringComparison.Ordinal) || !string.Equals(fresh.Hostname, identity.Hostname, StringComparison.Ordinal))
            {
                Audit("ca_fingerprint_mismatch", ("endpoint", identity.Endpoint), ("pinned", identity.CaFingerprint), ("seen", fresh.CaFingerprint));
                throw new KoiException(KoiErrorCode.CaFingerprintMismatch, $"the CA at {identity.Endpoint} answered a second hello as {fresh.Hostname} with fingerprint {fresh.CaFingerprint}, not {identity.Hostname} with {identity.CaFingerprint} — possible MITM; nothing was sent");
            }

            Audit("ca_hello_repeated", ("endpoint", identity.Endpoint), ("ca", identity.Hostname), ("reason", ex.Message));
            LogHelloRepeated(logger, identity.Endpoint);
            fresh = fresh with { FingerprintTrust = identity.FingerprintTrust };
            return (await send(fresh), fresh);
        }
    }

    /// <summary>Forgets a waiting join (the user pressed Ctrl+C); the key it held is gone with it.</summary>
    public bool Cancel(string requestId) => _pending.TryRemove(requestId, out _);

    private async Task<MemberJoinResult> FinishAsync(CaIdentity identity, string hostname, ECDsa key, CaJoinResponse answer, CancellationToken cancellationToken)
    {
        using var caCert = X509Certificate2.CreateFromPem(answer.CaCert ?? throw new KoiException(KoiErrorCode.CaUnreachable, "the CA sent a certificate without its CA certificate"));
        using var leaf = X509Certificate2.CreateFromPem(answer.ServiceCert!);
        if (!string.Equals(HelloVerifier.Fingerprint(caCert), identity.CaFingerprint, StringComparison.Ordinal))
        {
            Audit("ca_fingerprint_mismatch", ("endpoint", identity.Endpoint), ("pinned", identity.CaFingerprint), ("seen", HelloVerifier.Fingerprint(caCert)));
            throw new KoiException(KoiErrorCode.CaFingerprintMismatch, "the certificate came with a CA other than the one that proved its identity — possible MITM; nothing was written");
        }

        if (HelloVerifier.ChainProblem(leaf, caCert, time.GetUtcNow()) is { } chain)
        {
            throw new KoiException(KoiErrorCode.CaUnreachable, $"the CA's certificate for this machine does not verify: {chain}");
        }

        using (var leafKey = leaf.GetECDsaPublicKey())
        {
            if (leafKey is null || !leafKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
            {
                throw new KoiException(KoiErrorCode.CaUnreachable, "the CA returned a certificate for another key; nothing was written");
            }
        }

        var certDir = files.CertPath(hostname);
        var caPem = caCert.ExportCertificatePem() + "\n";
        CertFileSet.Write(certDir, leaf.ExportCertificatePem() + "\n", key.ExportPkcs8PrivateKeyPem() + "\n", caPem);
        var trust = await InstallTrustAsync(caPem, identity.CaFingerprint, cancellationToken);
        var sans = answer.Sans ?? [];
        var now = time.GetUtcNow();
        membership.Save(new MembershipDocument
        {
            Hostname = hostname,
            CaEndpoint = identity.Endpoint,
            CaHostname = identity.Hostname,
            PinnedCaFingerprint = identity.CaFingerprint,
            Profile = identity.Profile,
            RequiresApproval = identity.RequiresApproval,
            JoinedAt = now,
            CertPath = certDir,
            Sans = sans,
            CertExpires = leaf.NotAfter.ToUniversalTime(),
            LastVerified = now,
            CaMeshPort = identity.MeshPort,
        });
        Audit("joined", ("ca", identity.Hostname), ("endpoint", identity.Endpoint), ("pinned", identity.CaFingerprint), ("fingerprint_trust", identity.FingerprintTrust), ("hostname", hostname));
        LogJoined(logger, hostname, identity.Hostname, identity.CaFingerprint);
        events?.Publish(CertmeshAuthority.Capability, "joined", new JoinedMeshEvent(hostname, identity.Hostname, identity.CaFingerprint));
        return MemberJoinResult.Enrolled(hostname, identity, certDir, sans, leaf.NotAfter.ToUniversalTime(), trust);
    }

    /// <summary>Trusts the CA on this machine too, so its browsers and tools accept mesh certificates; failures are audited.</summary>
    private async Task<IReadOnlyList<TrustResult>> InstallTrustAsync(string caPem, string fingerprint, CancellationToken cancellationToken)
    {
        var results = new List<TrustResult>();
        foreach (var store in options.ResolveTrustStores(files.Dir))
        {
            var result = await store.InstallAsync(caPem, fingerprint, cancellationToken);
            results.Add(result);
            Audit(result.State == TrustState.Installed ? "trust_installed" : "trust_install_failed", ("store", store.Name), ("detail", result.Detail));
        }

        return results;
    }

    private void RequireNotEnrolled()
    {
        if (authority.Initialized)
        {
            throw new KoiException(KoiErrorCode.Conflict, "this machine is a CA itself; a CA does not join another mesh");
        }

        if (membership.Current is { } current)
        {
            throw new KoiException(KoiErrorCode.Conflict, $"this machine is already a member of the mesh of {current.CaHostname} ({current.CaEndpoint}), pinned to {current.PinnedCaFingerprint}");
        }
    }

    /// <summary>
    /// How far the fingerprint is trusted: <c>confirmed</c> when the operator gave or confirmed it, otherwise
    /// <c>trust_on_first_use</c> — the mDNS TXT value or the hello's own claim, which an on-path attacker can forge.
    /// </summary>
    private static string TrustOf(MemberJoinRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.ExpectedFingerprint))
        {
            return FingerprintTrust.TrustOnFirstUse;
        }

        var normalized = Normalize(request.ExpectedFingerprint);
        if (normalized.Length < MinFingerprintPrefix || !normalized.All(char.IsAsciiHexDigitLower))
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, $"--fingerprint needs at least {MinFingerprintPrefix} hex digits of the CA's fingerprint (koi certmesh status on the CA shows it)");
        }

        return FingerprintTrust.Confirmed;
    }

    private static string Normalize(string fingerprint) =>
        fingerprint.Replace(":", string.Empty, StringComparison.Ordinal).Replace(" ", string.Empty, StringComparison.Ordinal).Trim().ToLowerInvariant();

    private void CheckExpected(CaIdentity identity, string? expected, string what)
    {
        if (string.IsNullOrWhiteSpace(expected))
        {
            return;
        }

        var normalized = Normalize(expected);
        var seen = identity.CaFingerprint.Length >= normalized.Length ? identity.CaFingerprint[..normalized.Length] : identity.CaFingerprint;
        if (normalized.Length == 0 || !CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(normalized), System.Text.Encoding.ASCII.GetBytes(seen)))
        {
            Audit("ca_fingerprint_mismatch", ("endpoint", identity.Endpoint), ("expected", normalized), ("seen", identity.CaFingerprint));
            LogFingerprintMismatch(logger, identity.Endpoint, normalized, identity.CaFingerprint);
            throw new KoiException(
                KoiErrorCode.CaFingerprintMismatch,
                $"the CA at {identity.Endpoint} has fingerprint {identity.CaFingerprint}, not {what} ({normalized}) — possible MITM; not joining");
        }
    }

    private static string KeyFingerprint(ECDsa key) => Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));

    private void SweepPending()
    {
        var cutoff = time.GetUtcNow() - PendingLifetime;
        foreach (var (id, pending) in _pending)
        {
            if (pending.StartedAt < cutoff)
            {
                _pending.TryRemove(id, out _);
            }
        }
    }

    private void Audit(string eventName, params (string Key, string? Value)[] fields)
    {
        using var log = AuditLog.Open(files.MemberAuditLog, files.MemberAuditKey, time);
        log.Append(eventName, fields);
    }

    public void Dispose() => _gate.Dispose();

    private static string EndpointOf(DiscoveredService service)
    {
        var address = service.Addresses[0];
        var host = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        return $"http://{host}:{(service.Port > 0 ? service.Port : CertmeshOptions.DefaultEnrollmentPort)}";
    }

    private sealed record PendingJoin(CaIdentity Identity, string KeyPem, string Hostname, DateTimeOffset StartedAt);
}
