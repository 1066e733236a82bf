using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Koi.Certmesh;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Crypto;
using Koi.Certmesh.Enrollment;
using Koi.Certmesh.MeshPlane;
using Koi.Certmesh.Roster;
using Koi.Core.Naming;
using Koi.Core.Status;
using Microsoft.Extensions.Logging.Abstractions;

// Usage: EnrollmentBench --dir DIR [--members 1000] [--count 500]
// Times admit, join and renew (a member renewing over the mesh plane: CSR for a fresh key, reissue with its names,
// roster and audit persisted) at --members, --count of each; renew once one at a time and once 16 in flight.
// Writes DIR/csr/NNNN.pem (the CSRs it signs, for openssl to sign the same ones) and prints one JSON line.
var arguments = args.Chunk(2).ToDictionary(p => p[0].TrimStart('-'), p => p[1], StringComparer.Ordinal);
var dir = arguments["dir"];
var members = int.Parse(arguments.GetValueOrDefault("members", "1000"), CultureInfo.InvariantCulture);
var count = int.Parse(arguments.GetValueOrDefault("count", "500"), CultureInfo.InvariantCulture);
Directory.CreateDirectory(Path.Combine(dir, "csr"));

// The joiners' side, untimed: one P-256 key and CSR per joiner, as a joining daemon makes them.
var csrs = new List<string>();
for (var i = 0; i < members + count; i++)
{
    using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    var pem = new CertificateRequest($"CN=stone-{i:D4}", key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
    csrs.Add(pem);
    File.WriteAllText(Path.Combine(dir, "csr", $"{i:D4}.pem"), pem);
}

var admit = await MeasureAsync("admit", async (ca, clock, secret, i, host, source) =>
{
    var candidate = JoinCandidate.Parse(new JoinRequest(host, csrs[i], null, [source.ToString()]), ca.JoinPolicy);
    await ca.AdmitAsync(candidate, host, source, CancellationToken.None);
});
var join = await MeasureAsync("join", async (ca, clock, secret, i, host, source) =>
{
    // Single-use codes allow one join per 30-second step: the clock moves one step per join.
    clock.Offset += TimeSpan.FromSeconds(Totp.StepSeconds);
    var outcome = await ca.JoinAsync(new JoinRequest(host, csrs[i], Totp.Code(secret, clock.GetUtcNow()), [source.ToString()]), source, CancellationToken.None);
    if (outcome.Issued is null)
    {
        throw new InvalidOperationException("join was not signed");
    }
});

// Renewal (docs/certmesh.md "Renewal"): the CA's side of POST /mesh/renew after the mTLS handshake proved the peer —
// the CSR checked, a certificate for the new key with the names the roster holds, the roster and audit persisted.
// Members 1..count renew once each (the CA host, member 0, renews its own certificate another way).
var renew = await MeasureAsync("renew", async (ca, clock, secret, i, host, source) =>
{
    var member = $"stone-{i - members + 1:D4}";
    var peer = new MeshPeer(member, string.Empty, string.Empty, clock.GetUtcNow());
    await ca.Renewals.RenewAsync(peer, new RenewRequest(csrs[i]), null, CancellationToken.None);
}, expected: members);

// The same with 16 renewals in flight, as a CA with many members meets them: the mesh plane answers requests
// concurrently, and renewals waiting for the CA's gate are committed together (one audit and one roster fsync).
var renewConcurrent = await MeasureAsync("renew-concurrent", async (ca, clock, secret, i, host, source) =>
{
    var member = $"stone-{i - members + 1:D4}";
    var peer = new MeshPeer(member, string.Empty, string.Empty, clock.GetUtcNow());
    await ca.Renewals.RenewAsync(peer, new RenewRequest(csrs[i]), null, CancellationToken.None);
}, expected: members, inFlight: 16);

Console.WriteLine(JsonSerializer.Serialize(new
{
    members,
    count,
    admit_per_sec = admit.Rate,
    admit_roster_bytes = admit.RosterBytes,
    join_per_sec = join.Rate,
    join_roster_bytes = join.RosterBytes,
    renew_per_sec = renew.Rate,
    renew_roster_bytes = renew.RosterBytes,
    renew_concurrent_per_sec = renewConcurrent.Rate,
    admit_cpu_ms = admit.CpuMs,
    renew_cpu_ms = renew.CpuMs,
    renew_concurrent_cpu_ms = renewConcurrent.CpuMs,
}));

// One CA in its own directory, filled to `members` through the same path (untimed), then `count` more timed.
async Task<(double Rate, long RosterBytes, double CpuMs)> MeasureAsync(string name, Func<CertmeshAuthority, SteppingClock, byte[], int, string, IPAddress, Task> step, int? expected = null, int inFlight = 1)
{
    var clock = new SteppingClock();
    var status = new StatusRegistry(clock);
    var options = new CertmeshOptions
    {
        Hostname = () => "bench-ca",
        Addresses = () => [IPAddress.Parse("10.77.0.1")],
        ManageTrustStores = false,
        MachineId = () => null,
    };
    var root = Path.Combine(dir, name);
    await using var ca = new CertmeshAuthority(
        new CertmeshFiles(Path.Combine(root, "certmesh"), Path.Combine(root, "certs")),
        options,
        new CertmeshAnnouncer(new NoServiceAdvertiser(), 5641, status.Register("certmesh", "announcement"), NullLogger.Instance),
        status,
        clock,
        NullLogger.Instance);
    var plan = CreatePlan.Build(TrustProfile.Personal, null, EnrollmentState.Open, false, null, null, () => null);
    var created = await ca.CreateAsync(plan, "bench passphrase 2026 koi", null, CertmeshAuthority.NewTotpSecret(null), CancellationToken.None);
    var secret = Base32.Decode(created.TotpUri.Split("secret=")[1].Split('&')[0]);
    for (var i = 1; i < members; i++)
    {
        var candidate = JoinCandidate.Parse(new JoinRequest($"stone-{i:D4}", csrs[i], null, null), ca.JoinPolicy);
        await ca.AdmitAsync(candidate, $"stone-{i:D4}", Source(i), CancellationToken.None);
    }

    // CPU time per operation (this process, all threads) moves far less with the machine's load than the rate does.
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var watch = Stopwatch.StartNew();
    await Parallel.ForEachAsync(Enumerable.Range(members, count), new ParallelOptions { MaxDegreeOfParallelism = inFlight },
        async (i, _) => await step(ca, clock, secret, i, $"stone-{i:D4}", Source(i)));

    watch.Stop();
    var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / count;
    if (ca.Roster.Current!.Members.Count != (expected ?? members + count))
    {
        throw new InvalidOperationException($"{name}: roster has {ca.Roster.Current.Members.Count} members");
    }

    return (count / watch.Elapsed.TotalSeconds, new FileInfo(ca.Roster.Path).Length, cpuMs);
}

static IPAddress Source(int i) => new([10, 77, (byte)(1 + (i / 250)), (byte)(1 + (i % 250))]);

/// <summary>The real clock, moved forward by the benchmark so every join has a fresh TOTP step.</summary>
internal sealed class SteppingClock : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}
