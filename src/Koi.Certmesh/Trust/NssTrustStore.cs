using Koi.Core.Processes;
namespace Koi.Certmesh.Trust;

/// <summary>One NSS database (Chromium's <c>~/.pki/nssdb</c>, a Firefox profile), changed with <c>certutil</c>.</summary>
internal sealed class NssTrustStore(string databaseDirectory, string certutil = "certutil") : ITrustStore
{
    public string Name => $"nss:{databaseDirectory}";

    public static string Nickname(string fingerprint) => $"koi certmesh {fingerprint[..8]}";

    public async Task<TrustResult> InstallAsync(string caPem, string fingerprint, CancellationToken cancellationToken)
    {
        var file = Path.Combine(Path.GetTempPath(), $"koi-ca-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(file, caPem, cancellationToken);
        try
        {
            // "C,," = trusted CA for TLS servers only; nothing for e-mail or code signing.
            var (exit, output) = await CommandRunner.RunAsync(certutil, ["-A", "-d", $"sql:{databaseDirectory}", "-n", Nickname(fingerprint), "-t", "C,,", "-i", file], cancellationToken);
            return exit == 0
                ? new TrustResult(Name, TrustState.Installed)
                : new TrustResult(Name, TrustState.Failed, $"certutil exited {exit}: {output}", "install libnss3-tools, close the browser, then koi certmesh trust install");
        }
        finally
        {
            File.Delete(file);
        }
    }

    public async Task<TrustResult> StatusAsync(string fingerprint, CancellationToken cancellationToken)
    {
        var (exit, output) = await CommandRunner.RunAsync(certutil, ["-L", "-d", $"sql:{databaseDirectory}", "-n", Nickname(fingerprint)], cancellationToken);
        return exit switch
        {
            0 => new TrustResult(Name, TrustState.Installed),
            127 => new TrustResult(Name, TrustState.Failed, output, "install libnss3-tools (certutil)"),
            _ => new TrustResult(Name, TrustState.Missing, null, "koi certmesh trust install"),
        };
    }

    public async Task<TrustResult> RemoveAsync(string fingerprint, CancellationToken cancellationToken)
    {
        var (exit, output) = await CommandRunner.RunAsync(certutil, ["-D", "-d", $"sql:{databaseDirectory}", "-n", Nickname(fingerprint)], cancellationToken);
        return exit == 0 || output.Contains("could not find", StringComparison.OrdinalIgnoreCase)
            ? new TrustResult(Name, TrustState.Removed)
            : new TrustResult(Name, TrustState.Failed, $"certutil exited {exit}: {output}", "close the browser and retry");
    }
}
