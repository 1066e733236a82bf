using System.Net;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Membership;
using Koi.Certmesh.MeshPlane;
using Koi.Certmesh.Revocation;
using Koi.Certmesh.Standby;
using Koi.Certmesh.Tests.MeshPlane;
using Koi.Certmesh.Trust;
using Koi.Testing;

namespace Koi.Certmesh.Tests.Standby;

/// <summary>
/// A <see cref="MeshKit"/> (CA "stone-a" with its plane, member "stone-b"), plus on each machine what a daemon wires
/// for high availability: stone-b's own (empty) authority, plane and standby side, and stone-a's standby side, each
/// with its <see cref="HaLoop"/> driven by hand on the shared manual clock.
/// </summary>
internal sealed class StandbyKit : IAsyncDisposable
{
    public const string StandbyPassphrase = "standby passphrase 77";

    public static readonly CertmeshOptions HaOptions = new()
    {
        FailoverGrace = TimeSpan.FromSeconds(60),
        HaProbeInterval = TimeSpan.FromSeconds(10),
        StandbySyncInterval = TimeSpan.FromMinutes(5),
    };

    private StandbyKit(MeshKit mesh)
    {
        Mesh = mesh;
        var h = mesh.Join.H;
        var options = new CertmeshOptions
        {
            Hostname = () => "stone-b",
            Addresses = () => [IPAddress.Parse("10.77.0.12")],
            TrustStores = () => [new SystemTrustStore(mesh.MemberDir.Combine("anchors"), null)],
            AnnouncePort = 5641,
            MeshPort = 0,
            MeshBind = IPAddress.Loopback,
        };
        var files = new CertmeshFiles(mesh.MemberFiles.Dir, mesh.MemberDir.Combine("certs"));
        B = new CertmeshAuthority(
            files,
            options,
            new CertmeshAnnouncer(Advertiser, options.AnnouncePort, h.Status.Register("certmesh-b", "announcement"), h.Logger),
            h.Status,
            h.Time,
            h.Logger,
            bundles: new TrustBundlePublisher(new TrustBundleStore(files.TrustBundle, files.Crl), h.Time));
        BPlane = new MeshPlaneHost(B, new MeshPeerValidator(B.Context, B.Vault, new RosterRevocationSet(B.Roster)), B.MeshCertificate,
            B.Renewals, B.Heartbeats, options, h.Status, new RecordingLogger());
        Node = new StandbyNode(new CertmeshFiles(Path.Combine(files.Dir, "standby"), files.CertsDir), B.Handover.Store, mesh.Audit);
        Promotion = new StandbyPromotion(Node, () => B.Initialized, mesh.Membership, mesh.Mesh, mesh.Audit, h.Time);
        BLoop = Loop(B, Node, mesh.Mesh, BStatus);

        AFiles = new MemberFiles(h.Files.Dir, h.Files.CertsDir);
        AMembership = new MembershipStore(AFiles.Membership);
        AMesh = new MeshClient(AFiles, h.Time);
        (ANode, ALoop) = ASide();
    }

    public MeshKit Mesh { get; }

    public RecordingAdvertiser Advertiser { get; } = new();

    /// <summary>stone-b's CA side: empty until it takes over.</summary>
    public CertmeshAuthority B { get; }

    public MeshPlaneHost BPlane { get; }

    public StandbyNode Node { get; }

    public StandbyPromotion Promotion { get; }

    public HaLoop BLoop { get; }

    public StandbyNode ANode { get; private set; }

    public MeshClient AMesh { get; }

    public HaLoop ALoop { get; private set; }

    /// <summary>stone-a's member side: where it keeps a membership once it defers.</summary>
    public MemberFiles AFiles { get; }

    public MembershipStore AMembership { get; }

    /// <summary>Each machine's <c>koi status</c> as its HA loop reports it.</summary>
    public Koi.Core.Status.StatusRegistry AStatus { get; private set; } = null!;

    public Koi.Core.Status.StatusRegistry BStatus { get; } = new(TimeProvider.System);

    public CertmeshAuthority Ca => Mesh.Join.Ca;

    public ManualTimeProvider Time => Mesh.Join.H.Time;

    public static async Task<StandbyKit> StartAsync()
    {
        var kit = new StandbyKit(await MeshKit.StartAsync());
        await kit.BPlane.StartAsync(CancellationToken.None);
        return kit;
    }

    public Task<PromoteResult> PromoteAsync(string? code = null) =>
        Promotion.PromoteAsync(code ?? Mesh.Join.Code(), StandbyPassphrase, TestContext.Current.CancellationToken);

    /// <summary>A link from one machine's HA loop to a plane on 127.0.0.1 (as <see cref="RivalPrimaries"/> would find it).</summary>
    public PrimaryLink LinkTo(string from, string to, MeshPlaneHost plane) =>
        new(from, to, "http://127.0.0.1:1", plane.Port, Ca.Roster.Current?.Metadata.CaFingerprint ?? B.Roster.Current!.Metadata.CaFingerprint);

    /// <summary>What an HA loop shows as <c>certmesh/ha</c>.</summary>
    public static string HaStatus(Koi.Core.Status.StatusRegistry status) => status.Snapshot().Single(c => c.Name.EndsWith("/ha", StringComparison.Ordinal)).Reason ?? string.Empty;

    /// <summary>stone-a's daemon restarts: a fresh authority on the same files (auto-unlocked if it was so created), a fresh standby side and HA loop.</summary>
    public async Task RestartAAsync()
    {
        await Mesh.Join.H.RestartAsync();
        ANode.Dispose();
        (ANode, ALoop) = ASide();
    }

    private (StandbyNode Node, HaLoop Loop) ASide()
    {
        var h = Mesh.Join.H;
        var a = h.Authority;
        var node = new StandbyNode(new CertmeshFiles(Path.Combine(h.Files.Dir, "standby"), h.Files.CertsDir), a.Handover.Store);
        AStatus = new Koi.Core.Status.StatusRegistry(TimeProvider.System);
        var loop = Loop(a, node, AMesh, AStatus, AMembership);
        loop.LocatePeer = peer => BPlane.Port is { } port
            ? new PrimaryLink("stone-a", peer, "http://127.0.0.1:1", port, a.Roster.Current?.Metadata.CaFingerprint ?? node.Link!.PinnedCaFingerprint)
            : null;
        return (node, loop);
    }

    private HaLoop Loop(CertmeshAuthority authority, StandbyNode node, MeshClient mesh, Koi.Core.Status.StatusRegistry status, MembershipStore? membership = null) => new(
        authority, node, new StandbySync(node, mesh), new PeerProbe(mesh), new StandbyTakeover(authority, node), new StandbyDeferral(authority, node, null, membership),
        HaOptions, status, Mesh.Join.H.Time, new RecordingLogger());

    public async ValueTask DisposeAsync()
    {
        await BPlane.StopAsync(CancellationToken.None);
        await BPlane.DisposeAsync();
        await B.DisposeAsync();
        Node.Dispose();
        ANode.Dispose();
        await Mesh.DisposeAsync();
    }
}
