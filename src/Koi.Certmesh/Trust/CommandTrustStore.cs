using Koi.Core.Processes;
namespace Koi.Certmesh.Trust;

/// <summary>
/// A store changed by an OS tool that takes the certificate file as its last argument (Windows <c>certutil</c>,
/// macOS <c>security</c>). Status is not queried there yet: it reports what the last install or remove did.
/// </summary>
internal sealed class CommandTrustStore(string name, IReadOnlyList<string> install, IReadOnlyList<string> remove) : ITrustStore
{
    private TrustState _last = TrustState.Missing;

    public string Name => name;

    public async Task<TrustResult> InstallAsync(string caPem, string fingerprint, CancellationToken cancellationToken)
    {
        var file = Path.Combine(Path.GetTempPath(), $"koi-ca-{fingerprint[..8]}.crt");
        await File.WriteAllTextAsync(file, caPem, cancellationToken);
        try
        {
            var (exit, output) = await CommandRunner.RunAsync(install[0], [.. install.Skip(1), file], cancellationToken);
            _last = exit == 0 ? TrustState.Installed : TrustState.Failed;
            return new TrustResult(Name, _last, exit == 0 ? null : output, exit == 0 ? null : "run as administrator");
        }
        finally
        {
            File.Delete(file);
        }
    }

    public Task<TrustResult> StatusAsync(string fingerprint, CancellationToken cancellationToken) =>
        Task.FromResult(new TrustResult(Name, _last));

    public async Task<TrustResult> RemoveAsync(string fingerprint, CancellationToken cancellationToken)
    {
        var (exit, output) = await CommandRunner.RunAsync(remove[0], [.. remove.Skip(1), fingerprint], cancellationToken);
        _last = exit == 0 ? TrustState.Removed : TrustState.Failed;
        return new TrustResult(Name, _last, exit == 0 ? null : output);
    }
}
