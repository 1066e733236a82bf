using System.Text.Json;
using Koi.Certmesh.Trust;
using Koi.Core.Storage;

namespace Koi.Certmesh.Authority;

internal sealed partial class CertmeshAuthority
{
    public async Task<IReadOnlyList<TrustResult>> InstallTrustAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var roster = RequireInitialized();
            return await InstallTrustCoreAsync(CaPem(), roster.Metadata.CaFingerprint, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlyList<TrustResult>> TrustStatusAsync(CancellationToken cancellationToken)
    {
        if (Roster.Current is not { } roster)
        {
            return [];
        }

        var results = new List<TrustResult>();
        foreach (var store in _options.ResolveTrustStores())
        {
            results.Add(await store.StatusAsync(roster.Metadata.CaFingerprint, cancellationToken));
        }

        return results;
    }

    public async Task<IReadOnlyList<TrustResult>> RemoveTrustAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var roster = RequireInitialized();
            return await RemoveTrustCoreAsync(roster.Metadata.CaFingerprint, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<IReadOnlyList<TrustResult>> InstallTrustCoreAsync(string caPem, string fingerprint, CancellationToken cancellationToken)
    {
        var results = new List<TrustResult>();
        var installed = ReadTrustRecord();
        foreach (var store in _options.ResolveTrustStores())
        {
            var result = await store.InstallAsync(caPem, fingerprint, cancellationToken);
            results.Add(result);
            if (result.State == TrustState.Installed)
            {
                installed.Add(store.Name);
                Audit("trust_installed", ("store", store.Name));
            }
            else
            {
                // Never silent: audited, logged, and shown by status with its remedy.
                Audit("trust_install_failed", ("store", store.Name), ("detail", result.Detail));
                LogTrust(_logger, store.Name, result.State.ToString(), result.Detail);
            }
        }

        AtomicFile.WriteAllText(_files.TrustRecord, KoiJson.ToIndentedString(installed.Order(StringComparer.Ordinal).ToList(), CertmeshJsonContext.Default.ListString));
        return results;
    }

    /// <summary>Removes the CA from the stores koi itself installed it in, and nothing else.</summary>
    private async Task<IReadOnlyList<TrustResult>> RemoveTrustCoreAsync(string fingerprint, CancellationToken cancellationToken)
    {
        var installed = ReadTrustRecord();
        var results = new List<TrustResult>();
        foreach (var store in _options.ResolveTrustStores())
        {
            if (!installed.Contains(store.Name))
            {
                continue;
            }

            var result = await store.RemoveAsync(fingerprint, cancellationToken);
            results.Add(result);
            if (result.State == TrustState.Removed)
            {
                installed.Remove(store.Name);
                Audit("trust_removed", ("store", store.Name));
            }
            else
            {
                Audit("trust_remove_failed", ("store", store.Name), ("detail", result.Detail));
                LogTrust(_logger, store.Name, result.State.ToString(), result.Detail);
            }
        }

        if (Directory.Exists(_files.Dir))
        {
            AtomicFile.WriteAllText(_files.TrustRecord, KoiJson.ToIndentedString(installed.Order(StringComparer.Ordinal).ToList(), CertmeshJsonContext.Default.ListString));
        }

        return results;
    }

    private HashSet<string> ReadTrustRecord()
    {
        if (!File.Exists(_files.TrustRecord))
        {
            return new HashSet<string>(StringComparer.Ordinal);
        }

        var names = JsonSerializer.Deserialize(File.ReadAllText(_files.TrustRecord), CertmeshJsonContext.Default.ListString) ?? [];
        return new HashSet<string>(names, StringComparer.Ordinal);
    }
}
