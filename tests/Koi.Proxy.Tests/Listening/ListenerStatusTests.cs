using Koi.Core.Errors;
using Koi.Core.Status;
using Koi.Proxy.Tests.Support;

namespace Koi.Proxy.Tests.Listening;

public sealed class ListenerStatusTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Add_PortTakenByAnotherProgram_409WithTheBindError_NothingSaved()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        await using var proxy = new ProxyHarness();
        proxy.Service.Start();

        var error = await Assert.ThrowsAsync<KoiException>(() => proxy.AddAsync("grafana", port, "http://127.0.0.1:3000"));

        Assert.Equal(KoiErrorCode.Conflict, error.Code);
        Assert.Contains($"cannot listen on :{port}: address already in use", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(proxy.StatePath));
        Assert.Empty(proxy.Service.Status().Entries);
    }

    [Fact]
    public async Task SavedEntry_PortTakenAtStart_FailedWithBindError_ThenRecoversWhenFreed()
    {
        await using var backend = TcpBackend.Echo();
        await using var proxy = new ProxyHarness();
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        await proxy.AddAsync("grafana", port, backend.Url);
        await proxy.Service.DisposeAsync();

        using (var squatter = new TcpListener(IPAddress.Loopback, port))
        {
            squatter.Start();
            await proxy.RestartAsync();
            await Eventually.TrueAsync(() => proxy.StatusOf("grafana").State == "failed", "the listener to report the bind failure");

            var failed = proxy.StatusOf("grafana");
            Assert.Equal($"cannot listen on :{port}: address already in use (another program holds the port)", failed.Detail);
            Assert.Equal(failed.Detail, failed.LastError);
            Assert.Equal(ComponentState.Failed, proxy.Component.State);
            Assert.Contains("grafana: cannot listen", proxy.Component.Reason, StringComparison.Ordinal);
            var facts = Assert.Single(proxy.Service.Facts());
            Assert.False(facts.Listening);
            Assert.Contains("address already in use", facts.Problem, StringComparison.Ordinal);
        }

        await Eventually.TrueAsync(() => proxy.StatusOf("grafana").State == "listening", "the listener to bind once the port is free");
        Assert.Equal(ComponentState.Running, proxy.Component.State);
    }

    [Fact]
    public async Task Listening_SecondProgramCannotBindTheSamePort()
    {
        // SO_REUSEPORT would let another program share the port silently; the proxy must own it.
        await using var proxy = new ProxyHarness();
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        await proxy.AddAsync("grafana", port, "http://127.0.0.1:9");

        using var second = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        second.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        var error = Assert.Throws<SocketException>(() => second.Bind(new IPEndPoint(IPAddress.Loopback, port)));

        Assert.Equal(SocketError.AddressAlreadyInUse, error.SocketErrorCode);
    }

    [Fact]
    public async Task Add_SamePortOnAnotherAddress_409_NameTaken_409()
    {
        await using var proxy = new ProxyHarness();
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        await proxy.AddAsync("grafana", port, "http://127.0.0.1:3000");

        var oneAddress = new Koi.Proxy.Entries.ProxyEntryRequest("other", System.Text.Json.JsonSerializer.SerializeToElement($"127.0.0.1:{port}"), "http://127.0.0.1:3001");
        var samePort = await Assert.ThrowsAsync<KoiException>(() => proxy.Service.AddAsync(oneAddress, Ct));
        var sameName = await Assert.ThrowsAsync<KoiException>(() => proxy.AddAsync("GRAFANA", KoiProcess.FreeTcpPort(), "http://127.0.0.1:3001"));

        Assert.Equal(KoiErrorCode.Conflict, samePort.Code);
        Assert.Contains("already served by proxy entry 'grafana'", samePort.Message, StringComparison.Ordinal);
        Assert.Equal(KoiErrorCode.Conflict, sameName.Code);
    }

    [Fact]
    public async Task Add_NoCertificateFiles_400WithTheRemedy_NoSelfSignedFallback()
    {
        await using var proxy = new ProxyHarness(writeCertificate: false);
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();

        var error = await Assert.ThrowsAsync<KoiException>(() => proxy.AddAsync("grafana", port, "http://127.0.0.1:3000"));

        Assert.Equal(KoiErrorCode.InvalidRequest, error.Code);
        Assert.Contains($"no certificate in {proxy.CertDir}", error.Message, StringComparison.Ordinal);
        Assert.Contains("koi certmesh join", error.Message, StringComparison.Ordinal);
        Assert.Contains("--cert-path", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(proxy.StatePath));
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await Assert.ThrowsAsync<SocketException>(async () => await probe.ConnectAsync(IPAddress.Loopback, port, Ct));
    }

    [Fact]
    public async Task Add_RemoteBackendWithoutFlag_400_WithFlag_Listening()
    {
        await using var proxy = new ProxyHarness();
        proxy.Service.Start();

        var refused = await Assert.ThrowsAsync<KoiException>(() => proxy.AddAsync("nas", KoiProcess.FreeTcpPort(), "http://10.77.0.12:5000"));
        var added = await proxy.AddAsync("nas", KoiProcess.FreeTcpPort(), "http://10.77.0.12:5000", remote: true);

        Assert.Equal(KoiErrorCode.InvalidRequest, refused.Code);
        Assert.Contains("--backend-remote", refused.Message, StringComparison.Ordinal);
        Assert.Equal("listening", added.State);
        Assert.True(added.BackendRemote);
    }

    [Fact]
    public async Task CertificatesRemovedAtRestart_FailedNamingTheRemedy_ThenListensWhenWritten()
    {
        await using var proxy = new ProxyHarness();
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        await proxy.AddAsync("grafana", port, "http://127.0.0.1:9");
        await proxy.Service.DisposeAsync();
        Directory.Delete(proxy.CertDir, recursive: true);

        await proxy.RestartAsync();
        await Eventually.TrueAsync(() => proxy.StatusOf("grafana").State == "failed", "the listener to report the missing certificate");
        Assert.Contains("koi certmesh create", proxy.StatusOf("grafana").Detail, StringComparison.Ordinal);

        proxy.Pki.WriteSet(proxy.CertDir, "02bb");
        await Eventually.TrueAsync(() => proxy.StatusOf("grafana").State == "listening", "the listener to start once the certificate exists");
        await using var client = await TlsClient.ConnectAsync(port, proxy.Pki.Ca, ct: Ct);
        Assert.Equal("02bb", client.Serial);
    }

    [Fact]
    public async Task Remove_ClosesTheListenerAndItsConnections()
    {
        await using var backend = TcpBackend.Echo();
        await using var proxy = new ProxyHarness();
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        await proxy.AddAsync("grafana", port, backend.Url);
        await using var client = await TlsClient.ConnectAsync(port, proxy.Pki.Ca, ct: Ct);
        await client.Stream.WriteAsync("x"u8.ToArray(), Ct);
        await client.Stream.ReadExactlyAsync(new byte[1], Ct);

        await proxy.Service.RemoveAsync("grafana");

        Assert.True(await client.ClosedWithinAsync(TimeSpan.FromSeconds(5), Ct));
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await Assert.ThrowsAsync<SocketException>(async () => await probe.ConnectAsync(IPAddress.Loopback, port, Ct));
    }

    [Fact]
    public async Task Facts_ListeningThenStopped_UpFactsThenNotListeningWithoutProblem()
    {
        // Health reads "not listening, no problem" as "not decided": a daemon stopping must not look like an outage.
        await using var backend = TcpBackend.Echo();
        await using var proxy = new ProxyHarness();
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        await proxy.AddAsync("grafana", port, backend.Url);
        await Eventually.TrueAsync(() => proxy.Service.Facts() is [{ BackendReachable: true }], "the first backend check to succeed");
        var up = Assert.Single(proxy.Service.Facts());
        Assert.Equal(("grafana", port, backend.Url, true, (string?)null), (up.Name, up.ListenPort, up.Backend, up.Listening, up.Problem));

        await proxy.Service.DisposeAsync();

        var stopped = Assert.Single(proxy.Service.Facts());
        Assert.False(stopped.Listening);
        Assert.Null(stopped.Problem);
    }
}
