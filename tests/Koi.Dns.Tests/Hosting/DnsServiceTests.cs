using Koi.Core.Errors;
using Koi.Core.Naming;
using Koi.Core.Status;
using Koi.Dns.Api;
using Koi.Dns.Tests.Support;

namespace Koi.Dns.Tests.Hosting;

public sealed class DnsServiceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("2001:db8::1")]
    [InlineData("::ffff:1.1.1.1")]
    public async Task AddEntry_PublicAddress_InvalidRequestNothingStored(string address)
    {
        await using var server = await DnsTestServer.StartAsync(serve: false);

        var error = await Assert.ThrowsAsync<KoiException>(() => server.Service.AddEntryAsync(new EntryRequest("web", address), Ct));

        Assert.Equal(KoiErrorCode.InvalidRequest, error.Code);
        Assert.Contains("public address", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Service.Zone.Entries, e => e.Name == "web.lan");
    }

    [Theory]
    [InlineData("-bad", "10.0.0.1")]
    [InlineData("under_score", "10.0.0.1")]
    [InlineData("lan", "10.0.0.1")]
    [InlineData("", "10.0.0.1")]
    [InlineData("ok", "not-an-ip")]
    [InlineData("ok", "fe80::1%eth0")]
    public async Task AddEntry_InvalidNameOrAddress_InvalidRequest(string name, string address)
    {
        await using var server = await DnsTestServer.StartAsync(serve: false);

        var error = await Assert.ThrowsAsync<KoiException>(() => server.Service.AddEntryAsync(new EntryRequest(name, address), Ct));

        Assert.Equal(400, error.HttpStatus);
    }

    [Fact]
    public async Task AddEntry_ThenRemove_PersistedAndAnsweredAtOnce()
    {
        await using var server = await DnsTestServer.StartAsync();
        {
            var added = await server.Service.AddEntryAsync(new EntryRequest("NAS.lan", "192.168.1.20"), Ct);
            var again = await server.Service.AddEntryAsync(new EntryRequest("nas", "192.168.1.20"), Ct);
            var answer = await DnsClient.UdpMessageAsync(server.Endpoint, Queries.Build("nas.lan", DnsType.A));

            Assert.Equal("nas.lan", added.Name);
            Assert.True(added.Created);
            Assert.False(again.Created);
            Assert.Equal(["192.168.1.20"], Queries.Values(answer, DnsType.A));
            Assert.Contains("nas.lan", await File.ReadAllTextAsync(Path.Combine(server.Dir.Path, "state", "dns.json"), Ct), StringComparison.Ordinal);

            var removed = await server.Service.RemoveEntryAsync("nas", Ct);
            var gone = await DnsClient.UdpMessageAsync(server.Endpoint, Queries.Build("nas.lan", DnsType.A));

            Assert.Equal(1, removed.Removed);
            Assert.Equal(DnsResponseCode.NameError, gone.Header.ResponseCode);
            var missing = await Assert.ThrowsAsync<KoiException>(() => server.Service.RemoveEntryAsync("nas", Ct));
            Assert.Equal(KoiErrorCode.NotFound, missing.Code);
        }
    }

    [Fact]
    public async Task Restart_ServingStateAndEntries_ServedAgain()
    {
        using var dir = new TempDirectory();
        int port;
        await using (var first = await DnsTestServer.StartAsync(dir: dir))
        {
            await first.Service.AddEntryAsync(new EntryRequest("nas", "192.168.1.20"), Ct);
            port = first.Endpoint.Port;
        }

        await using var second = await DnsTestServer.StartAsync(dir: dir, serve: false);
        var answer = await DnsClient.UdpMessageAsync(new IPEndPoint(IPAddress.Loopback, port), Queries.Build("nas.lan", DnsType.A));

        Assert.True(second.Service.Status().Serving);
        Assert.Equal(["192.168.1.20"], Queries.Values(answer, DnsType.A));
    }

    [Fact]
    public async Task Stop_ThenStatus_ListenersStoppedAndAdvertisementWithdrawn()
    {
        await using var server = await DnsTestServer.StartAsync();
        Assert.Single(server.Advertiser.Active, a => a.Type == "_dns._udp" && a.Port == server.Endpoint.Port);
        var endpoint = server.Endpoint;

        var status = await server.Service.StopServingAsync(Ct);

        Assert.False(status.Serving);
        Assert.Empty(server.Advertiser.Active);
        Assert.Equal(ComponentState.Stopped, server.Status.Snapshot("dns").Single(c => c.Name == "dns/udp").State);
        Assert.Null(await DnsClient.UdpAsync(endpoint, Queries.Build("lan", DnsType.SOA), TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task Serve_PortInUse_ConflictAndPreviousRunKeepsServing()
    {
        await using var server = await DnsTestServer.StartAsync();
        using var squatter = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        squatter.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var taken = ((IPEndPoint)squatter.LocalEndPoint!).Port;
        var before = server.Endpoint;

        var error = await Assert.ThrowsAsync<KoiException>(() => server.Service.ServeAsync(new ServeRequest(Port: taken), Ct));

        Assert.Equal(KoiErrorCode.Conflict, error.Code);
        Assert.Equal(before, server.Endpoint);
        Assert.Equal(before.Port, server.Service.Settings.Port);
        Assert.NotNull(await DnsClient.UdpAsync(before, Queries.Build("lan", DnsType.SOA)));
        Assert.Equal(ComponentState.Running, server.Status.Snapshot("dns").Single(c => c.Name == "dns/udp").State);
    }

    [Fact]
    public async Task Serve_UdpSocketBreaks_ReceiveLoopsReportFailed_ServeAgainRecovers()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "breaks a descriptor with dup2");
        await using var server = await DnsTestServer.StartAsync();
        await server.Service.AddEntryAsync(new EntryRequest("nas", "192.168.1.20"), Ct);
        var broken = server.Endpoint;

        // Each blocked receive loop wakes on a datagram, finds its descriptor is no socket any more, and ends.
        FileDescriptors.ReplaceWithDevNull(server.Service.UdpDescriptors[0]);
        var udp = await Poll.UntilAsync(
            async () =>
            {
                await DnsClient.UdpAsync(broken, Queries.Build("nas.lan", DnsType.A), TimeSpan.FromMilliseconds(50));
                return server.Status.Snapshot("dns").Single(c => c.Name == "dns/udp");
            },
            c => c.Reason?.Contains("2 of 2 receive loops stopped", StringComparison.Ordinal) == true);

        Assert.Equal(ComponentState.Failed, udp.State);
        Assert.Equal($"UDP on {broken}: 2 of 2 receive loops stopped (NotSocket); `koi dns serve` starts serving afresh", udp.Reason);
        Assert.Equal(udp.Reason, server.Service.Status().Error);

        await server.Service.ServeAsync(new ServeRequest(Port: TestPorts.UdpAndTcp(IPAddress.Loopback)), Ct);

        Assert.Equal(ComponentState.Running, server.Status.Snapshot("dns").Single(c => c.Name == "dns/udp").State);
        Assert.Null(server.Service.Status().Error);
        Assert.Equal(["192.168.1.20"], Queries.Values(await DnsClient.UdpMessageAsync(server.Endpoint, Queries.Build("nas.lan", DnsType.A)), DnsType.A));
    }

    [Fact]
    public async Task Serve_SlipOutOfRange_InvalidRequestAndSettingKept()
    {
        await using var server = await DnsTestServer.StartAsync(request: new ServeRequest(RateLimitSlip: 2));

        var error = await Assert.ThrowsAsync<KoiException>(() => server.Service.ServeAsync(new ServeRequest(RateLimitSlip: 11), Ct));

        Assert.Equal(KoiErrorCode.InvalidRequest, error.Code);
        Assert.Equal(2, server.Service.Status().RateLimit.Slip);
    }

    [Fact]
    public async Task Serve_UpstreamIsKoiItself_InvalidRequest()
    {
        await using var server = await DnsTestServer.StartAsync();

        var error = await Assert.ThrowsAsync<KoiException>(() =>
            server.Service.ServeAsync(new ServeRequest(Upstreams: [server.Endpoint.ToString()]), Ct));

        Assert.Equal(KoiErrorCode.InvalidRequest, error.Code);
    }

    [Fact]
    public async Task NotServing_ComponentsSayStoppedNotRunning()
    {
        await using var server = await DnsTestServer.StartAsync(serve: false);

        var components = server.Status.Snapshot("dns");

        Assert.Equal(ComponentState.Stopped, components.Single(c => c.Name == "dns/udp").State);
        Assert.Equal(ComponentState.Running, components.Single(c => c.Name == "dns/zone").State);
    }

    [Fact]
    public async Task MdnsService_Appears_GrafanaLanResolvesWithoutRestart()
    {
        await using var server = await DnsTestServer.StartAsync();

        server.Mdns.Add(FakeServiceDirectory.Service("Grafana", "_grafana._tcp", "stone-c", 3000, "10.77.0.13"));

        var lookup = await Poll.UntilAsync(
            () => server.Service.LookupAsync("grafana.lan", "A", Ct),
            l => l.Rcode == "NOERROR");
        Assert.Equal("mdns", lookup.Source);
        Assert.Equal("10.77.0.13", lookup.Answers.Single(a => a.Section == "answer").Value);
        var srv = await DnsClient.UdpMessageAsync(server.Endpoint, Queries.Build("_grafana._tcp.lan", DnsType.SRV));
        Assert.Equal(["0 0 3000 stone-c.lan"], Queries.Values(srv, DnsType.SRV));
    }

    [Fact]
    public async Task MdnsWatch_Fails_ZoneFailedWithReason_ThenRecoversAndFollowsMdnsAgain()
    {
        await using var server = await DnsTestServer.StartAsync();
        ComponentSnapshot Zone() => server.Status.Snapshot("dns").Single(c => c.Name == "dns/zone");
        await Poll.TrueAsync(() => Zone().State == ComponentState.Running, "the zone to run");

        server.Mdns.Break();

        await Poll.TrueAsync(() => Zone().State == ComponentState.Failed, "the zone to report the broken watch");
        Assert.Equal("the mDNS watch failed (mDNS engine stopped); names from mDNS may be out of date; retrying every 5s", Zone().Reason);

        // A rebuild for another reason (a static entry) must not paper over it.
        await server.Service.AddEntryAsync(new EntryRequest("nas", "192.168.1.20"), Ct);
        Assert.Equal(ComponentState.Failed, Zone().State);

        server.Mdns.Repair();

        await Poll.TrueAsync(() => Zone().State == ComponentState.Running, "the zone to run again after the watch is back", seconds: 15);
        server.Mdns.Add(FakeServiceDirectory.Service("Grafana", "_grafana._tcp", "stone-c", 3000, "10.77.0.13"));
        var lookup = await Poll.UntilAsync(() => server.Service.LookupAsync("grafana.lan", "A", Ct), l => l.Rcode == "NOERROR");
        Assert.Equal("10.77.0.13", lookup.Answers.Single(a => a.Section == "answer").Value);
    }

    [Fact]
    public async Task Member_AddedAndStaticShadows_StaticWinsAliasesFedBack()
    {
        await using var server = await DnsTestServer.StartAsync();
        var aliasesChanged = 0;
        server.Service.Maintainer.Changed += (_, _) => Interlocked.Increment(ref aliasesChanged);
        server.Mdns.Add(FakeServiceDirectory.Service("Grafana", "_grafana._tcp", "stone-b", 3000, "10.77.0.12"));

        server.Members.Set(new MeshMember("stone-b", ["stone-b.lan"], [IPAddress.Parse("10.77.0.12")]));
        var member = await Poll.UntilAsync(() => server.Service.LookupAsync("stone-b.lan", "A", Ct), l => l.Source == "certmesh");
        var shadow = await server.Service.AddEntryAsync(new EntryRequest("stone-b", "192.168.50.5"), Ct);
        var shadowed = await server.Service.LookupAsync("stone-b.lan", "A", Ct);

        Assert.Equal("10.77.0.12", member.Answers.Single().Value);
        Assert.Equal(["certmesh", "mdns"], shadow.Shadows.Order());
        Assert.Equal("static", shadowed.Source);
        Assert.Equal("192.168.50.5", shadowed.Answers.Single().Value);
        Assert.Equal(["grafana-stone-b.lan", "grafana.lan"], server.Service.Maintainer.AliasesFor("stone-b"));
        Assert.True(aliasesChanged > 0);
        Assert.Contains(server.Service.Status().Shadowed, s => s.Name == "stone-b.lan");
    }

    [Fact]
    public async Task ZoneExport_HostsAndDnsmasq_LinesForEveryRecord()
    {
        await using var server = await DnsTestServer.StartAsync(serve: false);
        await server.Service.AddEntryAsync(new EntryRequest("nas", "192.168.1.20"), Ct);
        server.Mdns.Add(FakeServiceDirectory.Service("Grafana", "_grafana._tcp", "stone-c", 3000, "10.77.0.13"));
        server.Service.Maintainer.Rebuild();

        var hosts = ZoneExport.Text(server.Service.Zone, "hosts");
        var dnsmasq = ZoneExport.Text(server.Service.Zone, "dnsmasq");

        Assert.Contains("192.168.1.20\tnas.lan\n", hosts, StringComparison.Ordinal);
        Assert.Contains("10.77.0.13\tgrafana.lan\n", hosts, StringComparison.Ordinal);
        Assert.Contains("host-record=nas.lan,192.168.1.20\n", dnsmasq, StringComparison.Ordinal);
        Assert.Contains("srv-host=_grafana._tcp.lan,stone-c.lan,3000,0,0\n", dnsmasq, StringComparison.Ordinal);
        Assert.Throws<KoiException>(() => ZoneExport.Text(server.Service.Zone, "bind"));
    }

    [Fact]
    public async Task Lookup_InvalidNameOrType_InvalidRequest()
    {
        await using var server = await DnsTestServer.StartAsync(serve: false);

        Assert.Equal(400, (await Assert.ThrowsAsync<KoiException>(() => server.Service.LookupAsync("a..b", "A", Ct))).HttpStatus);
        Assert.Equal(400, (await Assert.ThrowsAsync<KoiException>(() => server.Service.LookupAsync("a.lan", "MX", Ct))).HttpStatus);
    }
}
