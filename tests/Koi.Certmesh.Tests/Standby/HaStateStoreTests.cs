using Koi.Certmesh.Standby;
using Koi.Testing;

namespace Koi.Certmesh.Tests.Standby;

public sealed class HaStateStoreTests
{
    [Fact]
    public void Save_Role_WrittenAsItsNameAndReadBack()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("ha.json");
        var store = new HaStateStore(path);

        store.Save(new HaState(HaRole.Standby, 3, DateTimeOffset.UnixEpoch, "stone-a", "stone-b", "promoted"));

        var text = File.ReadAllText(path);
        Assert.Contains("\"role\": \"standby\"", text, StringComparison.Ordinal);
        Assert.Equal(HaRole.Standby, new HaStateStore(path).Current!.Role);
    }

    [Fact]
    public void Current_FileWithTheRoleAsANumber_StillReads()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("ha.json");
        File.WriteAllText(path, """{"role": 1, "epoch": 2, "since": "2026-12-06T00:00:00+00:00", "primary": "stone-a", "standby": "stone-b", "reason": null}""");

        var state = new HaStateStore(path).Current!;

        Assert.Equal(HaRole.Standby, state.Role);
        Assert.Equal(2, state.Epoch);
    }
}
