using System.Text.Json;
using Koi.Certmesh;
using Koi.Certmesh.Roster;
using Koi.Core.Storage;
using Koi.Testing;

namespace Koi.Certmesh.Tests.Roster;

/// <summary>Joins append to <c>roster.journal</c>; everything else, and every load, folds it into <c>roster.json</c>.</summary>
public sealed class RosterJournalTests
{
    [Fact]
    public void Update_MemberAdded_AppendedNotRewrittenAndLoadedBack()
    {
        using var temp = new TempDirectory();
        var store = new RosterStore(temp.Combine("roster.json"));
        store.Replace(RosterSchemaTests.Sample(DateTimeOffset.UnixEpoch));
        var snapshot = File.ReadAllBytes(store.Path);

        store.Update(r => r! with { Members = [.. r.Members, Member("stone-02")] });

        Assert.Equal(snapshot, File.ReadAllBytes(store.Path));
        Assert.Single(File.ReadAllLines(store.JournalPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(store.JournalPath));
        Assert.Equal(2, store.Current!.Members.Count);

        var loaded = new RosterStore(store.Path).Load()!;
        Assert.Equal(Json(store.Current), Json(loaded));
        Assert.False(File.Exists(store.JournalPath));
        Assert.Equal(Json(loaded), Json(new RosterStore(store.Path).Load()));
    }

    [Fact]
    public void Update_OtherChange_FoldsTheJournalIntoRosterJson()
    {
        using var temp = new TempDirectory();
        var store = new RosterStore(temp.Combine("roster.json"));
        store.Replace(RosterSchemaTests.Sample(DateTimeOffset.UnixEpoch));
        store.Update(r => r! with { Members = [.. r.Members, Member("stone-02")] });

        store.Update(r => r! with { Metadata = r.Metadata with { Operator = "Alice" } });

        Assert.False(File.Exists(store.JournalPath));
        var onDisk = JsonSerializer.Deserialize<RosterDocument>(File.ReadAllBytes(store.Path), CertmeshJsonContext.Default.Options)!;
        Assert.Equal(["stone-01", "stone-02"], onDisk.Members.Select(m => m.Hostname));
        Assert.Equal("Alice", onDisk.Metadata.Operator);
    }

    [Fact]
    public void Update_MoreThanMaxEntries_RewritesRosterJson()
    {
        using var temp = new TempDirectory();
        var store = new RosterStore(temp.Combine("roster.json"));
        store.Replace(RosterSchemaTests.Sample(DateTimeOffset.UnixEpoch));

        for (var i = 0; i < RosterStore.MaxJournalEntries + 1; i++)
        {
            store.Update(r => r! with { Members = [.. r.Members, Member($"stone-{i + 100}")] });
        }

        Assert.Equal(RosterStore.MaxJournalEntries + 2, JsonSerializer.Deserialize<RosterDocument>(File.ReadAllBytes(store.Path), CertmeshJsonContext.Default.Options)!.Members.Count);
        Assert.False(File.Exists(store.JournalPath));
    }

    [Fact]
    public void Load_TornLastLine_Dropped()
    {
        using var temp = new TempDirectory();
        var store = new RosterStore(temp.Combine("roster.json"));
        store.Replace(RosterSchemaTests.Sample(DateTimeOffset.UnixEpoch));
        store.Update(r => r! with { Members = [.. r.Members, Member("stone-02")] });
        store.Update(r => r! with { Members = [.. r.Members, Member("stone-03")] });
        var text = File.ReadAllText(store.JournalPath);
        File.WriteAllText(store.JournalPath, text[..^20]);

        var loaded = new RosterStore(store.Path).Load()!;

        Assert.Equal(["stone-01", "stone-02"], loaded.Members.Select(m => m.Hostname));
    }

    [Fact]
    public void Load_JournalAlreadyFoldedIn_NotAppliedTwice()
    {
        using var temp = new TempDirectory();
        var store = new RosterStore(temp.Combine("roster.json"));
        store.Replace(RosterSchemaTests.Sample(DateTimeOffset.UnixEpoch));
        store.Update(r => r! with { Members = [.. r.Members, Member("stone-02")] });
        var journal = File.ReadAllText(store.JournalPath);

        // A crash after roster.json was rewritten but before the journal was deleted.
        store.Update(r => r! with { Metadata = r.Metadata with { Operator = "Alice" } });
        File.WriteAllText(store.JournalPath, journal);

        var loaded = new RosterStore(store.Path).Load()!;
        Assert.Equal(["stone-01", "stone-02"], loaded.Members.Select(m => m.Hostname));
    }

    [Fact]
    public void Load_CorruptJournalLine_Refused()
    {
        using var temp = new TempDirectory();
        var store = new RosterStore(temp.Combine("roster.json"));
        store.Replace(RosterSchemaTests.Sample(DateTimeOffset.UnixEpoch));
        File.WriteAllText(store.JournalPath, "{ not json\n");

        Assert.Throws<InvalidDataException>(() => new RosterStore(store.Path).Load());
    }

    [Fact]
    public void Delete_RemovesTheJournalToo()
    {
        using var temp = new TempDirectory();
        var store = new RosterStore(temp.Combine("roster.json"));
        store.Replace(RosterSchemaTests.Sample(DateTimeOffset.UnixEpoch));
        store.Update(r => r! with { Members = [.. r.Members, Member("stone-02")] });

        store.Delete();

        Assert.Empty(Directory.GetFiles(temp.Path));
    }

    private static string Json(RosterDocument? document) => JsonSerializer.Serialize(document, CertmeshJsonContext.Default.Options);

    private static RosterMember Member(string hostname) => new()
    {
        Hostname = hostname,
        Role = MemberRole.Member,
        EnrolledAt = DateTimeOffset.UnixEpoch,
        EnrolledBy = "totp",
        CertFingerprint = new string('d', 64),
        CertExpires = DateTimeOffset.UnixEpoch.AddDays(30),
        CertSans = [hostname, $"{hostname}.local"],
        CertPath = $"certs/{hostname}",
        PinnedCaFingerprint = new string('b', 64),
        EnrolledFrom = "10.0.0.2",
    };
}
