using Koi.Certmesh.Authority;
using Koi.Certmesh.Standby;
using Koi.Certmesh.Tests.MeshPlane;

namespace Koi.Certmesh.Tests.Standby;

/// <summary>A <see cref="MeshKit"/> (CA "stone-a" with its plane, member "stone-b") plus stone-b's standby side.</summary>
internal sealed class StandbyKit : IAsyncDisposable
{
    public const string StandbyPassphrase = "standby passphrase 77";

    private StandbyKit(MeshKit mesh)
    {
        Mesh = mesh;
        Node = new StandbyNode(
            new CertmeshFiles(Path.Combine(mesh.MemberFiles.Dir, "standby"), mesh.MemberDir.Combine("certs")),
            new HaStateStore(Path.Combine(mesh.MemberFiles.Dir, "ha.json")));
        Promotion = new StandbyPromotion(Node, () => false, mesh.Membership, mesh.Mesh, mesh.Audit, mesh.Join.H.Time);
    }

    public MeshKit Mesh { get; }

    public StandbyNode Node { get; }

    public StandbyPromotion Promotion { get; }

    public CertmeshAuthority Ca => Mesh.Join.Ca;

    public static async Task<StandbyKit> StartAsync() => new(await MeshKit.StartAsync());

    public Task<PromoteResult> PromoteAsync(string? code = null) =>
        Promotion.PromoteAsync(code ?? Mesh.Join.Code(), StandbyPassphrase, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        Node.Dispose();
        await Mesh.DisposeAsync();
    }
}
