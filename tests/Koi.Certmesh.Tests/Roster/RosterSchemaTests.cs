using System.Text.Json;
using Koi.Certmesh;
using Koi.Certmesh.Roster;
using Koi.Core.Storage;
using Koi.Testing;

namespace Koi.Certmesh.Tests.Roster;

public sealed class RosterSchemaTests
{
    [Fact]
    public void Save_Load_RoundTripsEveryField()
    {
        using var temp = new TempDirectory();
        var store = new RosterStore(temp.Combine("roster.json"));
        var now = new DateTimeOffset(2026, 2, 10, 14, 30, 15, TimeSpan.Zero);
        var document = Sample(now);
        store.Replace(document);

        var loaded = new RosterStore(store.Path).Load()!;
        Assert.Equal(JsonSerializer.Serialize(document, CertmeshJsonContext.Default.Options), JsonSerializer.Serialize(loaded, CertmeshJsonContext.Default.Options));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(store.Path));
    }

    [Fact]
    public void Save_DesignTimeFields_PresentEvenWhenEmpty()
    {
        using var temp = new TempDirectory();
        var store = new RosterStore(temp.Combine("roster.json"));
        store.Replace(Sample(DateTimeOffset.UnixEpoch));
        using var json = JsonDocument.Parse(File.ReadAllText(store.Path));
        var root = json.RootElement;
        Assert.Equal(1, root.GetProperty("schema_version").GetInt32());
        var meta = root.GetProperty("metadata");
        foreach (var field in new[] { "created", "trust_profile", "operator", "domain_scope", "subnet_scope", "totp_secret_hash", "totp_rotated_at", "enrollment_state", "enrollment_closes_at", "policy" })
        {
            Assert.True(meta.TryGetProperty(field, out _), field);
        }

        Assert.Equal("personal", meta.GetProperty("trust_profile").GetString());
        var member = root.GetProperty("members")[0];
        foreach (var field in new[] { "hostname", "role", "enrolled_at", "enrolled_by", "cert_fingerprint", "cert_expires", "cert_sans", "cert_path", "pinned_ca_fingerprint", "last_seen", "status", "reload_hook" })
        {
            Assert.True(member.TryGetProperty(field, out _), field);
        }

        Assert.Equal(JsonValueKind.Array, root.GetProperty("revocation_list").ValueKind);
        Assert.Equal(JsonValueKind.Array, root.GetProperty("proxy_entries").ValueKind);
    }

    [Fact]
    public void Load_NewerSchema_Refused()
    {
        using var temp = new TempDirectory();
        var store = new RosterStore(temp.Combine("roster.json"));
        store.Replace(Sample(DateTimeOffset.UnixEpoch) with { SchemaVersion = 99 });
        Assert.Throws<InvalidDataException>(() => new RosterStore(store.Path).Load());
    }

    [Fact]
    public void Update_ChangeThrows_MemoryAndDiskUnchanged()
    {
        using var temp = new TempDirectory();
        var store = new RosterStore(temp.Combine("roster.json"));
        var original = store.Replace(Sample(DateTimeOffset.UnixEpoch));
        var bytes = File.ReadAllBytes(store.Path);
        Assert.Throws<InvalidOperationException>(() => store.Update(_ => throw new InvalidOperationException("no")));
        Assert.Same(original, store.Current);
        Assert.Equal(bytes, File.ReadAllBytes(store.Path));
    }

    internal static RosterDocument Sample(DateTimeOffset now) => new()
    {
        Metadata = new RosterMetadata
        {
            Created = now,
            TrustProfile = TrustProfile.Personal,
            Operator = "self",
            TotpSecretHash = new string('a', 64),
            TotpRotatedAt = now,
            EnrollmentState = EnrollmentState.Open,
            RequireApproval = false,
            CaFingerprint = new string('b', 64),
        },
        Members =
        [
            new RosterMember
            {
                Hostname = "stone-01",
                Role = MemberRole.Primary,
                EnrolledAt = now,
                EnrolledBy = "self",
                CertFingerprint = new string('c', 64),
                CertExpires = now.AddDays(30),
                CertSans = ["stone-01", "stone-01.local", "stone-01.lan", "192.168.1.10"],
                CertPath = "/var/lib/koi/certs/stone-01",
                PinnedCaFingerprint = new string('b', 64),
            },
        ],
        RevocationList = [new RevocationEntry("stone-03", now, "self", "decommissioned")],
        ProxyEntries = [new ProxyEntry("grafana", 443, "http://localhost:3000", false, "auto")],
    };
}
