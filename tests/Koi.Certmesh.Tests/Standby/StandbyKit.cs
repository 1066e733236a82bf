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
        BPlane = new MeshPlaneHost(B, new MeshPeerValidator(B.Context, B.Vault, new RosterRevocationSet(B.Roster)), new ServerCertificate(B.Context),
            B.Renewals, B.Heartbeats, options, h.Status, new RecordingLogger());
        Node = new StandbyNode(new CertmeshFiles(Path.Combine(files.Dir, "standby"), files.CertsDir), B.Handover.Store);
        Promotion = new StandbyPromotion(Node, () => B.Initialized, mesh.Membership, mesh.Mesh, mesh.Audit, h.Time);
        BLoop = Loop(B, Node, mesh.Mesh);

        var a = h.Authority;
        ANode = new StandbyNode(new CertmeshFiles(Path.Combine(h.Files.Dir, "standby"), h.Files.CertsDir), a.Handover.Store);
        AMesh = new MeshClient(new MemberFiles(h.Files.Dir, h.Files.CertsDir), h.Time);
        ALoop = Loop(a, ANode, AMesh);
        ALoop.LocatePeer = peer => BPlane.Port is { } port
            ? new PrimaryLink("stone-a", peer, "http://127.0.0.1:1", port, a.Roster.Current?.Metadata.CaFingerprint ?? ANode.Link!.PinnedCaFingerprint)
            : null;
    }

    public MeshKit Mesh { get; }

    public RecordingAdvertiser Advertiser { get; } = new();

    /// <summary>stone-b's CA side: empty until it takes over.</summary>
    public CertmeshAuthority B { get; }

    public MeshPlaneHost BPlane { get; }

    public StandbyNode Node { get; }

    public StandbyPromotion Promotion { get; }

    public HaLoop BLoop { get; }

    public StandbyNode ANode { get; }

    public MeshClient AMesh { get; }

    public HaLoop ALoop { get; }

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

    private HaLoop Loop(CertmeshAuthority authority, StandbyNode node, MeshClient mesh) => new(
        authority, node, new StandbySync(node, mesh), new PeerProbe(mesh), new StandbyTakeover(authority, node), new StandbyDeferral(authority, node),
        HaOptions, new Koi.Core.Status.StatusRegistry(Mesh.Join.H.Time), Mesh.Join.H.Time, new RecordingLogger());

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
