using System.Text.Json;
using Koi.Core.Errors;
using Koi.Core.Status;
using Koi.Proxy.Tests.Support;

namespace Koi.Proxy.Tests.State;

public sealed class ProxyPersistenceTests
{
    [Fact]
    public async Task Add_IsSaved_AndComesBackListeningAfterRestart()
    {
        await using var backend = TcpBackend.Echo();
        await using var proxy = new ProxyHarness();
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        await proxy.AddAsync("grafana", port, backend.Url);

        var saved = JsonDocument.Parse(await File.ReadAllTextAsync(proxy.StatePath, TestContext.Current.CancellationToken)).RootElement;
        var entry = Assert.Single(saved.GetProperty("entries").EnumerateArray());
        Assert.Equal("grafana", entry.GetProperty("name").GetString());
        Assert.Equal(port, entry.GetProperty("listen_port").GetInt32());
        Assert.Equal(backend.Url, entry.GetProperty("backend").GetString());
        Assert.False(entry.GetProperty("backend_remote").GetBoolean());

        await proxy.RestartAsync();
        await Eventually.TrueAsync(() => proxy.StatusOf("grafana").State == "listening", "the saved entry to listen again");
        await using var client = await TlsClient.ConnectAsync(port, proxy.Pki.Ca, ct: TestContext.Current.CancellationToken);
        await client.Stream.WriteAsync("ping"u8.ToArray(), TestContext.Current.CancellationToken);
        var echoed = new byte[4];
        await client.Stream.ReadExactlyAsync(echoed, TestContext.Current.CancellationToken);
        Assert.Equal("ping"u8.ToArray(), echoed);
    }

    [Fact]
    public async Task Remove_IsSaved_AndUnknownIs404()
    {
        await using var proxy = new ProxyHarness();
        proxy.Service.Start();
        await proxy.AddAsync("a", KoiProcess.FreeTcpPort(), "http://127.0.0.1:9");

        await proxy.Service.RemoveAsync("A");
        var missing = await Assert.ThrowsAsync<KoiException>(() => proxy.Service.RemoveAsync("a"));

        Assert.Equal(KoiErrorCode.NotFound, missing.Code);
        Assert.Empty(JsonDocument.Parse(await File.ReadAllTextAsync(proxy.StatePath, TestContext.Current.CancellationToken)).RootElement.GetProperty("entries").EnumerateArray());
        Assert.Empty(proxy.Service.Status().Entries);
    }

    [Fact]
    public async Task CorruptStateFile_ComponentFailed_ChangesRefused_FileKept()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.Combine("state"));
        await File.WriteAllTextAsync(dir.Combine("state", "proxy.json"), "{\"entries\": [", TestContext.Current.CancellationToken);
        await using var proxy = new ProxyHarness(dir: dir);

        proxy.Service.Start();
        var refused = await Assert.ThrowsAsync<KoiException>(() => proxy.AddAsync("g", KoiProcess.FreeTcpPort(), "http://127.0.0.1:3000"));

        Assert.Equal(ComponentState.Failed, proxy.Component.State);
        Assert.Contains("proxy.json", proxy.Component.Reason, StringComparison.Ordinal);
        Assert.Equal(KoiErrorCode.Unavailable, refused.Code);
        Assert.Equal("{\"entries\": [", await File.ReadAllTextAsync(dir.Combine("state", "proxy.json"), TestContext.Current.CancellationToken));
        Assert.NotNull(proxy.Service.Status().Problem);
    }

    [Fact]
    public async Task HandEditedEntryWithBadBackend_RefusedAtStart()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.Combine("state"));
        await File.WriteAllTextAsync(
            dir.Combine("state", "proxy.json"),
            """{"version": 1, "entries": [{"name": "x", "listen_port": 8443, "backend": "https://localhost:3000", "backend_remote": false, "added_at": "2026-11-23T12:00:00Z"}]}""",
            TestContext.Current.CancellationToken);
        await using var proxy = new ProxyHarness(dir: dir);

        proxy.Service.Start();

        Assert.Equal(ComponentState.Failed, proxy.Component.State);
        Assert.Contains("plain http://", proxy.Component.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoEntries_RunningWithNoEntries()
    {
        await using var proxy = new ProxyHarness();

        proxy.Service.Start();

        Assert.Equal(ComponentState.Running, proxy.Component.State);
        Assert.Equal("no entries", proxy.Component.Reason);
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal(ComponentState.Running, proxy.LoopsComponent.State);
            Assert.Contains("epoll loop", proxy.LoopsComponent.Reason!, StringComparison.Ordinal);
        }
    }
}
