using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Crypto;
using Koi.Certmesh.Enrollment;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;

namespace Koi.Certmesh.Tests.Enrollment;

/// <summary>A created CA plus what a joiner has: the TOTP secret (as the authenticator app), keys and CSRs.</summary>
internal sealed class JoinKit : IAsyncDisposable
{
    public const string B = "10.77.0.12";
    public const string C = "10.77.0.13";

    private JoinKit(CertmeshHarness harness, CreateResult created)
    {
        H = harness;
        Created = created;
        Secret = Base32.Decode(created.TotpUri.Split("secret=")[1].Split('&')[0]);
    }

    public CertmeshHarness H { get; }

    public CreateResult Created { get; }

    public byte[] Secret { get; }

    public CertmeshAuthority Ca => H.Authority;

    public RosterDocument Roster => H.Authority.Roster.Current!;

    public static async Task<JoinKit> CreateAsync(TrustProfile profile = TrustProfile.Personal, CertmeshHarness? harness = null) =>
        await CreateAsync(CertmeshHarness.Plan(profile), harness);

    public static async Task<JoinKit> CreateAsync(CreatePlan plan, CertmeshHarness? harness = null)
    {
        var h = harness ?? new CertmeshHarness();
        var created = await h.Authority.CreateAsync(plan, CertmeshHarness.Passphrase, null, CertmeshAuthority.NewTotpSecret(null), CancellationToken.None);
        return new JoinKit(h, created);
    }

    /// <summary>A custom mesh: open, no approval, with the given scope.</summary>
    public static Task<JoinKit> ScopedAsync(string? domain, string? subnet, bool approval = false) =>
        CreateAsync(CreatePlan.Build(TrustProfile.Custom, "Maria Santos", EnrollmentState.Open, approval, domain, subnet, () => null));

    /// <summary>The code the authenticator app shows now (or <paramref name="steps"/> steps away).</summary>
    public string Code(int steps = 0) => Totp.Code(Secret, H.Time.GetUtcNow() + TimeSpan.FromSeconds(Totp.StepSeconds * steps));

    /// <summary>Waits for the next step (as a person would after "code already used") and returns its code.</summary>
    public string NextCode()
    {
        H.Time.Advance(TimeSpan.FromSeconds(Totp.StepSeconds));
        return Code();
    }

    /// <summary>A code that is wrong now: valid neither for this step nor either neighbour.</summary>
    public string WrongCode()
    {
        var valid = new[] { Code(-1), Code(), Code(1) };
        for (var i = 0; ; i++)
        {
            var candidate = ((int.Parse(valid[1], System.Globalization.CultureInfo.InvariantCulture) + 1 + i) % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
            if (!valid.Contains(candidate))
            {
                return candidate;
            }
        }
    }

    public static string Csr(string hostname = "stone-b", ECCurve? curve = null, params string[] requestedSans)
    {
        using var key = ECDsa.Create(curve ?? ECCurve.NamedCurves.nistP256);
        return Csr(key, hostname, requestedSans);
    }

    public static string Csr(ECDsa key, string hostname, params string[] requestedSans)
    {
        var request = new CertificateRequest($"CN={hostname}", key, HashAlgorithmName.SHA256);
        if (requestedSans.Length > 0)
        {
            var sans = new SubjectAlternativeNameBuilder();
            foreach (var san in requestedSans)
            {
                sans.AddDnsName(san);
            }

            request.CertificateExtensions.Add(sans.Build());
        }

        return request.CreateSigningRequestPem();
    }

    public static JoinRequest Request(string hostname, string? code, string? csr = null, params string[] addresses) =>
        new(hostname, csr ?? Csr(hostname), code, addresses);

    public Task<JoinOutcome> JoinAsync(string hostname, string? code, string from = B, string? csr = null, params string[] addresses) =>
        Ca.JoinAsync(Request(hostname, code, csr, addresses), IPAddress.Parse(from), CancellationToken.None);

    public async Task<KoiException> RefusedAsync(string hostname, string? code, string from = B, string? csr = null, params string[] addresses) =>
        await Assert.ThrowsAsync<KoiException>(() => JoinAsync(hostname, code, from, csr, addresses));

    /// <summary>The roster as persisted: roster.json and the journal of joins since it was last written.</summary>
    public string RosterOnDisk() =>
        File.ReadAllText(H.Files.Roster) + (File.Exists(H.Authority.Roster.JournalPath) ? File.ReadAllText(H.Authority.Roster.JournalPath) : string.Empty);

    /// <summary>The last audit line, whole.</summary>
    public string LastAudit() => File.ReadAllLines(H.Files.AuditLog)[^1];

    public string[] AuditLines() => File.ReadAllLines(H.Files.AuditLog);

    public string LimitsPath => Path.Combine(H.Files.Dir, EnrollmentLimits.FileName);

    public ValueTask DisposeAsync() => H.DisposeAsync();
}
