using Koi.Core.Processes;
namespace Koi.Certmesh.Trust;

/// <summary>
/// The Debian/Ubuntu system store: a <c>koi-&lt;fp8&gt;.crt</c> file in the anchors directory, then the update
/// command rebuilds the bundle that OpenSSL, curl and most tools read.
/// </summary>
internal sealed class SystemTrustStore(string anchorDirectory, IReadOnlyList<string>? updateCommand) : ITrustStore
{
    public string Name => "system";

    public string AnchorPath(string fingerprint) => Path.Combine(anchorDirectory, $"koi-{fingerprint[..8]}.crt");

    public async Task<TrustResult> InstallAsync(string caPem, string fingerprint, CancellationToken cancellationToken)
    {
        try
        {
            Directory.CreateDirectory(anchorDirectory);
            Koi.Core.Storage.AtomicFile.WriteAllText(AnchorPath(fingerprint), caPem);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new TrustResult(Name, TrustState.Failed, ex.Message, "run the daemon as root, or `sudo koi certmesh trust install`");
        }

        return await UpdateAsync(TrustState.Installed, cancellationToken);
    }

    public Task<TrustResult> StatusAsync(string fingerprint, CancellationToken cancellationToken) =>
        Task.FromResult(File.Exists(AnchorPath(fingerprint))
            ? new TrustResult(Name, TrustState.Installed, AnchorPath(fingerprint))
            : new TrustResult(Name, TrustState.Missing, $"{AnchorPath(fingerprint)} does not exist", "koi certmesh trust install"));

    public async Task<TrustResult> RemoveAsync(string fingerprint, CancellationToken cancellationToken)
    {
        var path = AnchorPath(fingerprint);
        if (!File.Exists(path))
        {
            return new TrustResult(Name, TrustState.Removed, "was not installed");
        }

        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new TrustResult(Name, TrustState.Failed, ex.Message, "run as root");
        }

        // --fresh drops the removed anchor from the generated bundle too.
        return await UpdateAsync(TrustState.Removed, cancellationToken, fresh: true);
    }

    private async Task<TrustResult> UpdateAsync(TrustState success, CancellationToken cancellationToken, bool fresh = false)
    {
        if (updateCommand is null || updateCommand.Count == 0)
        {
            return new TrustResult(Name, success);
        }

        var arguments = new List<string>(updateCommand.Skip(1));
        if (fresh)
        {
            arguments.Add("--fresh");
        }

        var (exit, output) = await CommandRunner.RunAsync(updateCommand[0], arguments, cancellationToken);
        return exit == 0
            ? new TrustResult(Name, success)
            : new TrustResult(Name, TrustState.Failed, $"{updateCommand[0]} exited {exit}: {output}", "check that ca-certificates is installed and run as root");
    }
}
