using System.Net;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Enrollment;
using Koi.Certmesh.MeshPlane;
using Koi.Certmesh.Naming;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;
using Koi.Core.Naming;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Issuing;

/// <summary>
/// Renewal at the CA: a member that proved itself at the mTLS handshake sends a CSR for a fresh key and gets a
/// certificate with the names it already holds; the CA host renews its own service certificate the same way.
/// Needs the CA unlocked; every renewal and every refusal is audited.
/// </summary>
internal sealed partial class MemberRenewals(CaContext ca, CaVault vault, MeshIssuer issuer, JoinLedger ledger)
{
    private readonly List<PendingRenewal> _queue = [];

    /// <summary>Addresses members proved by a mesh-plane request from them (see <see cref="AddressProofs"/>).</summary>
    public AddressProofs Proofs { get; } = new(ca.Time);

    public async Task<RenewResponse> RenewAsync(MeshPeer peer, RenewRequest body, IPAddress? source, CancellationToken cancellationToken)
    {
        if (JoinCsr.Check(body.Csr, ledger.Policy.MaxCsrChars, out var problem) is not { } key)
        {
            ca.Audit.Write("renew_refused", ("hostname", peer.Hostname), ("reason", "invalid_request"));
            throw new KoiException(KoiErrorCode.InvalidRequest, problem!);
        }

        var claimed = JoinAddresses.Parse(body.Addresses, ledger.Policy.MaxClaimedAddresses, out var addressProblem);
        if (claimed is null || body.Labels is { Count: > ServiceNames.MaxLabels * 2 })
        {
            ca.Audit.Write("renew_refused", ("hostname", peer.Hostname), ("reason", "invalid_request"));
            throw new KoiException(KoiErrorCode.InvalidRequest, addressProblem ?? $"labels lists more than {ServiceNames.MaxLabels * 2} entries");
        }

        // Group commit: renewals that arrive while the gate is held are signed and persisted together by whichever of
        // them gets the gate next — one audit append and one roster append (one fsync each) for all of them, and
        // nobody answered before its lines are on disk. Alone, a renewal is a batch of one.
        var pending = new PendingRenewal(peer, body, key, claimed, source);
        lock (_queue)
        {
            _queue.Add(pending);
        }

        try
        {
            await ca.Serialized(CommitQueued, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            lock (_queue)
            {
                // Still queued: nobody signed it, so it can go. Taken already: it is being committed; answer it.
                if (_queue.Remove(pending))
                {
                    throw;
                }
            }
        }

        return await pending.Answer.Task;
    }

    /// <summary>Under the gate: every queued renewal signed in turn, then committed together (<see cref="Record"/>).</summary>
    private bool CommitQueued()
    {
        List<PendingRenewal> batch;
        lock (_queue)
        {
            batch = [.. _queue];
            _queue.Clear();
        }

        var signed = new List<(PendingRenewal Request, Renewal Renewal, RenewResponse Response)>();
        var renewedSoFar = new Dictionary<string, RosterMember>(StringComparer.Ordinal);
        try
        {
            foreach (var request in batch)
            {
                try
                {
                    var (renewal, response) = Sign(request, renewedSoFar);
                    renewedSoFar[renewal.Renewed.Hostname] = renewal.Renewed;
                    signed.Add((request, renewal, response));
                }
                catch (Exception ex)
                {
                    request.Answer.TrySetException(ex);
                }
            }

            if (signed.Count > 0)
            {
                Record([.. signed.Select(s => s.Renewal)]);
            }

            foreach (var (request, _, response) in signed)
            {
                request.Answer.TrySetResult(response);
            }
        }
        catch (Exception ex)
        {
            foreach (var (request, _, _) in signed)
            {
                request.Answer.TrySetException(ex);
            }
        }
        finally
        {
            foreach (var (_, renewal, _) in signed)
            {
                renewal.Certificate.Dispose();
            }
        }

        return true;
    }

    /// <summary>One queued renewal checked and signed; <paramref name="renewedSoFar"/> holds members renewed earlier in this batch.</summary>
    private (Renewal Renewal, RenewResponse Response) Sign(PendingRenewal request, Dictionary<string, RosterMember> renewedSoFar)
    {
        var (peer, body, key, claimed, source) = request;
        var roster = ca.RequireInitialized();
        var member = roster.Members.FirstOrDefault(m => m.Status == MemberStatus.Active && MemberStanding.SameHost(m.Hostname, peer.Hostname));
        if (member is null)
        {
            ca.Audit.Write("renew_refused", ("hostname", peer.Hostname), ("reason", "not_a_member"));
            throw new KoiException(KoiErrorCode.Forbidden, $"{peer.Hostname} is not an active member of this mesh");
        }

        member = renewedSoFar.GetValueOrDefault(member.Hostname) ?? member;
        var secrets = vault.RequireUnlocked("renew");
        var names = member.ServiceNames;
        SanSet sans;
        if (body.Labels is null && body.Addresses is null)
        {
            // A member that says nothing about its names or addresses keeps what it holds.
            sans = MeshIssuer.SansOf(member);
        }
        else
        {
            if (body.Labels is not null)
            {
                names = ServiceNames.Decide(roster, member.Hostname, body.Labels, roster.Metadata.Zone);
                AuditNames(member.Hostname, names);
            }

            // Addresses are vetted again only when the member reports them; otherwise it keeps the ones it holds.
            var addresses = body.Addresses is null ? MeshIssuer.SansOf(member).Addresses : Addresses(roster, member, source, claimed);
            sans = MeshIssuer.SansFor(member.Hostname, roster.Metadata, addresses, names, NameScope.IsConstrained(vault.CaCert!));
        }

        var cert = issuer.Reissue(vault.CaCert!, secrets.CaKey, key, member.Hostname, sans, roster.Metadata.Policy);
        var renewal = Renewed(member with { ServiceNames = names, ServiceLabels = body.Labels is null ? member.ServiceLabels : [.. body.Labels] }, cert, "member");
        var renewed = renewal.Renewed;
        return (renewal, new RenewResponse(renewed.Hostname, cert.ExportCertificatePem() + "\n", vault.CaPem(), roster.Metadata.CaFingerprint,
            cert.SerialNumber.ToLowerInvariant(), renewed.CertExpires, renewed.CertSans, names));
    }

    /// <summary>
    /// The CA host's own service certificate, renewed in place (fresh key, same scope rules) with the service names
    /// asked for <paramref name="labels"/> (null: keep the ones it holds).
    /// </summary>
    public Task<RosterMember> RenewOwnAsync(IReadOnlyList<string>? labels, CancellationToken cancellationToken) => ca.Serialized(() =>
    {
        var roster = ca.RequireInitialized();
        var primary = roster.Members.First(m => m.Role == MemberRole.Primary);
        var secrets = vault.RequireUnlocked("renew_own");
        var meta = roster.Metadata;
        var names = primary.ServiceNames;
        if (labels is not null)
        {
            names = ServiceNames.Decide(roster, primary.Hostname, labels, meta.Zone);
            AuditNames(primary.Hostname, names);
        }

        var (cert, _) = issuer.IssueOwn(vault.CaCert!, secrets.CaKey, primary.Hostname, meta.DomainScope, meta.SubnetScope, meta.Policy, ca.Now, ServiceNames.Granted(names));
        using (cert)
        {
            var renewal = Renewed(primary with { ServiceNames = names, ServiceLabels = labels is null ? primary.ServiceLabels : [.. labels] }, cert, "own");
            Record([renewal]);
            return renewal.Renewed;
        }
    }, cancellationToken);

    /// <summary>
    /// The addresses a renewal certifies (docs/certmesh.md "Addresses"): the connection's source, proven by the
    /// connection itself, and of the addresses the member reports those it proved (<see cref="Proofs"/>) or the
    /// operator approved at its join — each private, inside the subnet scope and not certified to another member.
    /// </summary>
    private List<IPAddress> Addresses(RosterDocument roster, RosterMember member, IPAddress? source, IReadOnlyList<IPAddress> claimed)
    {
        var approved = member.ApprovedAddresses ?? [];
        var vouched = new List<IPAddress>();
        var unproven = new List<IPAddress>();
        foreach (var address in claimed)
        {
            (approved.Contains(address.ToString()) || Proofs.Proven(member.Hostname, address) ? vouched : unproven).Add(address);
        }

        var from = source ?? IPAddress.None;
        var (certified, leftOut) = JoinAddresses.Authorize(from, vouched, MeshIssuer.SubnetScope(roster.Metadata), MeshIssuer.HeldAddresses(roster, member.Hostname));
        leftOut.AddRange(unproven.Where(a => !certified.Contains(a)).Select(a => (a, "unproven")));
        foreach (var group in leftOut.GroupBy(l => l.Reason))
        {
            ca.Audit.Write("scope_denied", ("hostname", member.Hostname), ("from", from.ToString()), ("refused", string.Join(",", group.Select(l => l.Address.ToString()))), ("reason", group.Key));
        }

        return certified;
    }

    /// <summary>Every name granted or refused is audited, with the reason of a refusal.</summary>
    private void AuditNames(string hostname, IReadOnlyList<NameDecision> names)
    {
        foreach (var decision in names)
        {
            ca.Audit.Write(decision.Granted ? "name_granted" : "name_refused", ("hostname", hostname), ("name", decision.Name), ("reason", decision.Reason));
        }
    }

    /// <summary>The roster entry <paramref name="member"/> becomes with <paramref name="cert"/>, and the audit line that records it.</summary>
    private Renewal Renewed(RosterMember member, System.Security.Cryptography.X509Certificates.X509Certificate2 cert, string kind)
    {
        var now = ca.Now;
        var serial = Revocation.RevocationListSigner.SerialHex(cert.SerialNumberBytes.Span);
        var renewed = member with
        {
            CertFingerprint = CertificateAuthorityFactory.Fingerprint(cert),
            CertExpires = cert.NotAfter.ToUniversalTime(),
            CertSans = CaLifecycle.SanStrings(cert),
            CertSerial = serial,
            Superseded = Superseded(member, now),
            LastSeen = now,
            LastRenewed = now,

            // The CA host takes its own certificate up at once; a member shows it has its new one at its next heartbeat.
            CertSeenAt = kind == "own" ? now : null,
        };
        (string, string?)[] line = [("hostname", member.Hostname), ("kind", kind), ("serial", serial), ("old_fingerprint", member.CertFingerprint),
            ("fingerprint", renewed.CertFingerprint), ("expires", renewed.CertExpires.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture))];
        return new Renewal(renewed, serial, cert, line);
    }

    /// <summary>
    /// Under the gate: the audit log, then the roster, learn the new certificates — each in one durable append for the
    /// whole batch — and then the event stream. A line that cannot be written refuses the whole batch (fail closed:
    /// a renewed certificate the audit log does not show is never handed out).
    /// </summary>
    private void Record(IReadOnlyList<Renewal> renewals)
    {
        ca.Audit.WriteOrRefuse([.. renewals.Select(r => ("cert_renewed", r.AuditFields))]);
        var latest = new Dictionary<string, RosterMember>(StringComparer.Ordinal);
        foreach (var renewal in renewals)
        {
            latest[renewal.Renewed.Hostname] = renewal.Renewed;
        }

        // The head is signed at renewals as at joins, so lines cut after a renewal show in log --verify and to members.
        var head = vault.SecretsIfUnlocked is { } secrets ? ca.Audit.SignHead(secrets.CaKey, ca.Now) : null;
        ca.Roster.Update(r => r! with
        {
            Members = [.. r.Members.Select(m => latest.GetValueOrDefault(m.Hostname) ?? m)],
            Metadata = head is null ? r.Metadata : r.Metadata with { AuditHead = head },
        });
        foreach (var (renewed, serial, _, _) in renewals)
        {
            LogRenewed(ca.Logger, renewed.Hostname, serial, renewed.CertExpires);
            ca.Publish("cert_renewed", new CertRenewedEvent(renewed.Hostname, serial, renewed.CertFingerprint, renewed.CertExpires));
        }
    }

    /// <summary>The member's still-valid replaced certificates, now with the one being replaced; expired ones drop out.</summary>
    private static List<SupersededCertificate>? Superseded(RosterMember member, DateTimeOffset now)
    {
        var kept = (member.Superseded ?? []).Where(s => s.NotAfter > now).ToList();
        if (member.CertSerial is { } previous && member.CertExpires > now)
        {
            kept.Add(new SupersededCertificate(previous, member.CertExpires, now));
        }

        return kept.Count == 0 ? null : kept;
    }
}

/// <summary>A renewal request waiting for the gate, and the answer its caller awaits.</summary>
internal sealed record PendingRenewal(MeshPeer Peer, RenewRequest Body, System.Security.Cryptography.X509Certificates.PublicKey Key, IReadOnlyList<IPAddress> Claimed, IPAddress? Source)
{
    public TaskCompletionSource<RenewResponse> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>A certificate signed for a member, not yet recorded: its roster entry and its <c>cert_renewed</c> audit fields.</summary>
internal sealed record Renewal(RosterMember Renewed, string Serial, System.Security.Cryptography.X509Certificates.X509Certificate2 Certificate, (string Key, string? Value)[] AuditFields);

/// <summary>The <c>cert_renewed</c> event on the CA's event stream.</summary>
internal sealed record CertRenewedEvent(string Hostname, string Serial, string CertFingerprint, DateTimeOffset Expires);
