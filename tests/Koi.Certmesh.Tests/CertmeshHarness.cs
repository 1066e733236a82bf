using System.Net;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Roster;
using Koi.Certmesh.Trust;
using Koi.Core.Naming;
using Koi.Core.Status;
using Koi.Testing;

namespace Koi.Certmesh.Tests;

/// <summary>
/// A CA in a temp data dir with a manual clock, a recording advertiser and a temp "system" trust store; it never
/// touches the machine's own trust store.
/// </summary>
internal sealed class CertmeshHarness : IAsyncDisposable
{
    public const string Passphrase = "harness passphrase 42";

    private readonly TimeProvider _clock;

    /// <param name="clock">What the authority reads the time from, when not <paramref name="time"/> itself (e.g. a skewed wall clock).</param>
    /// <param name="hostname">This machine's hostname (a joiner's harness names another machine).</param>
    public CertmeshHarness(TempDirectory? directory = null, ManualTimeProvider? time = null, IReadOnlyList<ITrustStore>? trustStores = null, (int Lifetime, int RenewAt)? policy = null, TimeProvider? clock = null, string hostname = "stone-a")
    {
        Directory = directory ?? new TempDirectory();
        Time = time ?? new ManualTimeProvider(DateTimeOffset.UtcNow);
        _clock = clock ?? Time;
        Status = new StatusRegistry(Time);
        Anchors = Directory.Combine("anchors");
        TrustStores = trustStores ?? [new SystemTrustStore(Anchors, null)];
        Options = new CertmeshOptions
        {
            Hostname = () => hostname,
            Addresses = () => [IPAddress.Parse("10.77.0.11"), IPAddress.Parse("fd77::11")],
            TrustStores = () => TrustStores,
            MachineId = () => MachineId,
            SystemdCredsTool = () => SystemdCredsTool,
            AnnouncePort = 5641,
            DefaultLifetimeDays = policy?.Lifetime,
            DefaultRenewAtDay = policy?.RenewAt,
        };
        Files = new CertmeshFiles(Directory.Combine("data", "certmesh"), Directory.Combine("data", "certs"));
        Authority = NewAuthority();
    }

    public TempDirectory Directory { get; }

    public string? MachineId { get; set; } = "machine-a";

    /// <summary>The systemd-creds binary auto-unlock runs (the real one from PATH unless a test points elsewhere).</summary>
    public string SystemdCredsTool { get; set; } = "systemd-creds";

    public ManualTimeProvider Time { get; }

    public StatusRegistry Status { get; }

    public string Anchors { get; }

    public IReadOnlyList<ITrustStore> TrustStores { get; }

    public CertmeshOptions Options { get; }

    public CertmeshFiles Files { get; }

    public RecordingAdvertiser Advertiser { get; } = new();

    /// <summary>Both the authority's and the announcer's log.</summary>
    public RecordingLogger Logger { get; } = new();

    public CertmeshAuthority Authority { get; private set; }

    public static CreatePlan Plan(TrustProfile profile = TrustProfile.Personal) =>
        CreatePlan.Build(profile, profile == TrustProfile.Organization ? "Maria Santos" : null, null, null,
            profile == TrustProfile.Organization ? "lab.test" : null, profile == TrustProfile.Organization ? "10.77.0.0/24" : null, () => "10.77.0.0/24");

    public async Task<CreateResult> CreateAsync(TrustProfile profile = TrustProfile.Personal) =>
        await Authority.CreateAsync(Plan(profile), Passphrase, "a:1;b:2;", CertmeshAuthority.NewTotpSecret(null), CancellationToken.None);

    /// <summary>Simulates a daemon restart: a fresh authority on the same files.</summary>
    public async Task RestartAsync()
    {
        await Authority.DisposeAsync();
        Authority = NewAuthority();
        await Authority.LoadAsync(CancellationToken.None);
    }

    public string[] AuditEvents() =>
        [.. File.ReadAllLines(Files.AuditLog).Select(line => line.Split(' ')[1])];

    public async ValueTask DisposeAsync()
    {
        await Authority.DisposeAsync();
        Directory.Dispose();
    }

    /// <summary>The trust bundle store of the current authority (a restart opens a new one on the same files).</summary>
    public Koi.Certmesh.Revocation.TrustBundleStore Bundles { get; private set; } = null!;

    private CertmeshAuthority NewAuthority()
    {
        Bundles = new Koi.Certmesh.Revocation.TrustBundleStore(Files.TrustBundle, Files.Crl);
        return new(
            Files,
            Options,
            new CertmeshAnnouncer(Advertiser, Options.AnnouncePort, Status.Register("certmesh", "announcement"), Logger),
            Status,
            _clock,
            Logger,
            bundles: new Koi.Certmesh.Revocation.TrustBundlePublisher(Bundles, _clock));
    }
}
