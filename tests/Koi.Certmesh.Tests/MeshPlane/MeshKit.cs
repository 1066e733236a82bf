using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Koi.Certmesh.Issuing;
using Koi.Certmesh.Membership;
using Koi.Certmesh.MeshPlane;
using Koi.Certmesh.Roster;
using Koi.Certmesh.Tests.Enrollment;
using Koi.Core.Naming;
using Koi.Core.Networking;
using Koi.Core.Status;
using Koi.Testing;

namespace Koi.Certmesh.Tests.MeshPlane;

/// <summary>
/// A CA with its mTLS plane listening on 127.0.0.1 (a free port), and a member "stone-b" that joined it: its files
/// in its own data dir, its membership.json, and the member-side services that talk to the plane.
/// </summary>
internal sealed class MeshKit : IAsyncDisposable
{
    private MeshKit(JoinKit join, MeshPlaneHost plane, TempDirectory memberDir)
    {
        Join = join;
        Plane = plane;
        MemberDir = memberDir;
        MemberFiles = new MemberFiles(memberDir.Combine("certmesh"), memberDir.Combine("certs"));
        Membership = new MembershipStore(MemberFiles.Membership);
        Audit = new MemberAuditTrail(MemberFiles, join.H.Time);
        Mesh = new MeshClient(MemberFiles, join.H.Time);
        Renewal = new MemberRenewal(Membership, Mesh, MemberFiles, Audit, join.H.Time, new RecordingLogger(), names: Board, local: Local) { HookTimeout = TimeSpan.FromSeconds(10) };
    }

    public JoinKit Join { get; }

    /// <summary>The member's service name board: what its proxy and mDNS would offer.</summary>
    public ServiceNameBoard Board { get; } = new();

    /// <summary>The member's LAN addresses as mDNS would report them; none until a test sets them.</summary>
    public SettableLocalAddresses Local { get; } = new();

    public MeshPlaneHost Plane { get; }

    public TempDirectory MemberDir { get; }

    public MemberFiles MemberFiles { get; }

    public MembershipStore Membership { get; }

    public MemberAuditTrail Audit { get; }

    public MeshClient Mesh { get; }

    public MemberRenewal Renewal { get; }

    public string MemberCertDir => MemberFiles.CertPath("stone-b");

    public static async Task<MeshKit> StartAsync(CertmeshHarness? harness = null)
    {
        var join = await JoinKit.CreateAsync(TrustProfile.Personal, harness);
        var ca = join.Ca;
        var plane = new MeshPlaneHost(
            ca,
            new MeshPeerValidator(ca.Context, ca.Vault, new RosterRevocationSet(ca.Roster)),
            ca.MeshCertificate,
            ca.Renewals,
            ca.Heartbeats,
            new CertmeshOptions { MeshPort = 0, MeshBind = IPAddress.Loopback },
            join.H.Status,
            new RecordingLogger());
        await plane.StartAsync(CancellationToken.None);
        var kit = new MeshKit(join, plane, new TempDirectory());
        await kit.EnrollMemberAsync();
        return kit;
    }

    /// <summary>stone-b joins through the real join pipeline; its key never leaves its own directory.</summary>
    private async Task EnrollMemberAsync()
    {
        await Join.Ca.OpenEnrollmentAsync(null, CancellationToken.None);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var outcome = await Join.JoinAsync("stone-b", Join.Code(), csr: JoinKit.Csr(key, "stone-b"));
        var issued = outcome.Issued ?? throw new InvalidOperationException("the join waited for approval");
        CertFileSet.Write(MemberCertDir, issued.ServiceCert, key.ExportPkcs8PrivateKeyPem() + "\n", issued.CaCert);
        Membership.Save(new MembershipDocument
        {
            Hostname = "stone-b",
            CaEndpoint = "http://127.0.0.1:1",
            CaHostname = Join.Ca.Hostname,
            PinnedCaFingerprint = issued.CaFingerprint,
            Profile = "just-me",
            RequiresApproval = false,
            JoinedAt = Join.H.Time.GetUtcNow(),
            CertPath = MemberCertDir,
            Sans = [.. issued.Sans],
            CertExpires = issued.Expires,
            CaMeshPort = Plane.Port,
        });
    }

    public X509Certificate2 MemberCertificate() =>
        X509Certificate2.CreateFromPemFile(Path.Combine(MemberCertDir, "cert.pem"), Path.Combine(MemberCertDir, "key.pem"));

    public RosterMember RosterEntry(string hostname = "stone-b") => Join.Roster.Members.Single(m => m.Hostname == hostname);

    /// <summary>An HTTP client to the plane presenting <paramref name="client"/> (or none), trusting only the mesh CA.</summary>
    public HttpClient PlaneClient(X509Certificate2? client)
    {
        using var ca = X509Certificate2.CreateFromPem(Join.Ca.CaPem());
        var caCopy = X509CertificateLoader.LoadCertificate(ca.RawData);
        var handler = new SocketsHttpHandler
        {
            SslOptions =
            {
                ClientCertificates = client is null ? null : [client],
                RemoteCertificateValidationCallback = (_, cert, _, _) => cert is X509Certificate2 c && HelloVerifier.ChainProblem(c, caCopy, Join.H.Time.GetUtcNow()) is null,
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{Plane.Port}") };
    }

    /// <summary>
    /// stone-b's member service over this kit's member files (its CA check is never run here): what it shows in
    /// <c>koi status</c> goes to <paramref name="health"/>, what it publishes to <paramref name="published"/>.
    /// </summary>
    public MemberService Service(ComponentHealth health, List<(string Kind, object? Data)> published)
    {
        var caClient = new CaClient(new HttpClient());
        var options = Join.H.Options;
        var check = new CaCheck(Membership, caClient, Mesh, Renewal, MemberFiles, Audit, options, Join.H.Status, Join.H.Time, new RecordingLogger());
        var joiner = new MemberJoiner(Join.Ca, Membership, caClient, new Koi.Core.Discovery.EmptyServiceDirectory(), MemberFiles, options, Join.H.Time, new RecordingLogger());
        return new MemberService(joiner, check, Renewal, Audit, MemberFiles, options, Join.H.Time, new RecordingLogger(),
            certificateHealth: health, alarm: new ExpiryAlarm((kind, data) => published.Add((kind, data))));
    }

    public ComponentSnapshot PlaneHealth() => Join.H.Status.Snapshot().Single(c => c.Name == "certmesh/mesh_plane");

    public async ValueTask DisposeAsync()
    {
        await Plane.StopAsync(CancellationToken.None);
        await Plane.DisposeAsync();
        Renewal.Dispose();
        MemberDir.Dispose();
        await Join.DisposeAsync();
    }
}

/// <summary>An <see cref="ILocalAddresses"/> a test sets; <see cref="Set"/> raises <see cref="Changed"/> as an interface change would.</summary>
internal sealed class SettableLocalAddresses : ILocalAddresses
{
    public IReadOnlyList<IPAddress> Current { get; private set; } = [];

    public event EventHandler? Changed;

    public void Set(params string[] addresses)
    {
        Current = [.. addresses.Select(IPAddress.Parse)];
        Changed?.Invoke(this, EventArgs.Empty);
    }
}
