using System.Text.Json;
using Koi.Certmesh.Authority;
using Koi.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Trust;

/// <summary>
/// The CA in this machine's trust stores: installed on create, removed on destroy — only from the stores koi itself
/// installed it in (<c>trust.json</c> remembers which). Every failure is audited and shown with its remedy.
/// </summary>
internal sealed partial class CaTrust(CaContext ca, CaVault vault)
{
    public Task<IReadOnlyList<TrustResult>> InstallAsync(CancellationToken cancellationToken) => ca.SerializedAsync(async () =>
    {
        var roster = ca.RequireInitialized();
        return await InstallUnderGateAsync(vault.CaPem(), roster.Metadata.CaFingerprint, cancellationToken);
    }, cancellationToken);

    public async Task<IReadOnlyList<TrustResult>> StatusAsync(CancellationToken cancellationToken)
    {
        if (ca.Roster.Current is not { } roster)
        {
            return [];
        }

        var results = new List<TrustResult>();
        foreach (var store in ca.Options.ResolveTrustStores(ca.Files.Dir))
        {
            results.Add(await store.StatusAsync(roster.Metadata.CaFingerprint, cancellationToken));
        }

        return results;
    }

    public Task<IReadOnlyList<TrustResult>> RemoveAsync(CancellationToken cancellationToken) => ca.SerializedAsync(async () =>
    {
        var roster = ca.RequireInitialized();
        return await RemoveUnderGateAsync(roster.Metadata.CaFingerprint, cancellationToken);
    }, cancellationToken);

    public async Task<IReadOnlyList<TrustResult>> InstallUnderGateAsync(string caPem, string fingerprint, CancellationToken cancellationToken)
    {
        var results = new List<TrustResult>();
        var installed = ReadRecord();
        foreach (var store in ca.Options.ResolveTrustStores(ca.Files.Dir))
        {
            var result = await store.InstallAsync(caPem, fingerprint, cancellationToken);
            results.Add(result);
            if (result.State == TrustState.Installed)
            {
                installed.Add(store.Name);
                ca.Audit.Write("trust_installed", ("store", store.Name));
            }
            else
            {
                // Never silent: audited, logged, and shown by status with its remedy.
                ca.Audit.Write("trust_install_failed", ("store", store.Name), ("detail", result.Detail));
                LogTrust(ca.Logger, store.Name, result.State.ToString(), result.Detail);
            }
        }

        AtomicFile.WriteAllText(ca.Files.TrustRecord, KoiJson.ToIndentedString(installed.Order(StringComparer.Ordinal).ToList(), CertmeshJsonContext.Default.ListString));
        return results;
    }

    /// <summary>Removes the CA from the stores koi itself installed it in, and nothing else.</summary>
    public async Task<IReadOnlyList<TrustResult>> RemoveUnderGateAsync(string fingerprint, CancellationToken cancellationToken)
    {
        var installed = ReadRecord();
        var results = new List<TrustResult>();
        foreach (var store in ca.Options.ResolveTrustStores(ca.Files.Dir))
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
                ca.Audit.Write("trust_removed", ("store", store.Name));
            }
            else
            {
                ca.Audit.Write("trust_remove_failed", ("store", store.Name), ("detail", result.Detail));
                LogTrust(ca.Logger, store.Name, result.State.ToString(), result.Detail);
            }
        }

        if (Directory.Exists(ca.Files.Dir))
        {
            AtomicFile.WriteAllText(ca.Files.TrustRecord, KoiJson.ToIndentedString(installed.Order(StringComparer.Ordinal).ToList(), CertmeshJsonContext.Default.ListString));
        }

        return results;
    }

    private HashSet<string> ReadRecord()
    {
        if (!File.Exists(ca.Files.TrustRecord))
        {
            return new HashSet<string>(StringComparer.Ordinal);
        }

        var names = JsonSerializer.Deserialize(File.ReadAllText(ca.Files.TrustRecord), CertmeshJsonContext.Default.ListString) ?? [];
        return new HashSet<string>(names, StringComparer.Ordinal);
    }
}
