using System.Diagnostics;
using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Fixtures;

/// <summary>
/// koi's resolver on stone-a (port 53, forwarding to a dnsmasq upstream), an avahi host announcing
/// <c>_grafana._tcp</c>, and client hosts: stone-b (a plain client whose resolv.conf names koi as its only server) and
/// observer (also given a public address). <c>tests/lab/dotnet-resolve.cs</c> is built for the .NET client checks.
/// </summary>
public sealed class DnsFixture : LabFixture
{
    public const string Resolver = "stone-a";
    public const string Client = "stone-b";
    public const string Observer = "observer";
    public const string Beacon = "beacon";
    public const string Upstream = "upstream";

    /// <summary>TEST-NET-2: a "public" source address for the refusal test; routed on-link inside the lab only.</summary>
    public const string PublicClientAddress = "198.51.100.7";

    protected override string Scenario => "dns";

    /// <summary>The built <c>dotnet-resolve.dll</c>: run with <c>dotnet</c> on a lab host.</summary>
    public string DotnetResolver { get; private set; } = "";

    protected override int Stones => 2;

    private protected override async Task BuildAsync(Lab lab, CancellationToken ct)
    {
        // Built on the machine (the lab shares the file system), while the lab hosts are set up.
        var building = BuildDotnetResolverAsync(Path.Combine(lab.Directory, "dotnet-resolve"), ct);
        foreach (var host in new[] { Observer, Beacon, Upstream })
        {
            await lab.AddHostAsync(host, ct);
        }

        await Task.WhenAll(lab.StartAvahiAsync(Beacon, ct), lab.StartDnsmasqAsync(Upstream, ct));
        await lab.StartBackgroundAsync(Beacon, "publish-grafana", ["avahi-publish", "-s", "Grafana", "_grafana._tcp", "3000", "path=/"], ct);
        (await lab.RunAsync(Observer, ["ip", "addr", "add", PublicClientAddress + "/32", "dev", "eth0"], ct)).EnsureSuccess();
        (await lab.RunAsync(Resolver, ["ip", "route", "add", PublicClientAddress + "/32", "dev", "eth0"], ct)).EnsureSuccess();

        await KoiDaemon.StartAsync(lab, Resolver, ct);
        (await KoiDaemon.CliAsync(lab, Resolver, ct, "dns", "serve", "--port", "53", "--upstream", lab.AddressOf(Upstream), "--rate-limit", "20", "--rate-burst", "20")).EnsureSuccess();
        (await KoiDaemon.CliAsync(lab, Resolver, ct, "dns", "add", "nas", "10.77.0.200")).EnsureSuccess();
        // stone-b uses koi the way a LAN machine would: as the only server in its resolv.conf.
        (await lab.RunAsync(Client, ["sh", "-c", $"printf 'nameserver {lab.AddressOf(Resolver)}\\noptions timeout:2 attempts:2\\n' > /etc/resolv.conf"], ct)).EnsureSuccess();
        DotnetResolver = await building;
    }

    /// <summary>
    /// <c>dotnet build</c> of the file-based app, outside the repository's build settings (it is a client tool, not
    /// koi code), into the lab's directory, which teardown removes. Restores DnsClient from NuGet the first time.
    /// </summary>
    private static async Task<string> BuildDotnetResolverAsync(string output, CancellationToken ct)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
        {
            "build", Koi.Testing.RepoPaths.Combine("tests", "lab", "dotnet-resolve.cs"), "-o", output, "-nologo", "-v", "quiet",
            "-p:ImportDirectoryBuildProps=false", "-p:ImportDirectoryPackagesProps=false",
        })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new LabException("dotnet build did not start");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromMinutes(3));
        var stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var dll = Path.Combine(output, "dotnet-resolve.dll");
        return process.ExitCode == 0 && File.Exists(dll)
            ? dll
            : throw new LabException($"building tests/lab/dotnet-resolve.cs failed ({process.ExitCode}):\n{await stdout}\n{await stderr}");
    }
}
