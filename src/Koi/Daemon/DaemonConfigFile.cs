using Koi.Certmesh;
using Koi.Cli;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Koi.Daemon;

/// <summary>
/// <c>config.yaml</c> in the data dir: settings an operator keeps in a file rather than passing as flags. Optional;
/// an unknown key or a bad value stops the daemon with a message naming it (a typo must not be silently ignored).
/// </summary>
internal sealed class DaemonConfigFile
{
    public const string FileName = "config.yaml";

    public static DaemonConfigFile Empty { get; } = new();

    public CertmeshSection? Certmesh { get; set; }

    public static DaemonConfigFile Load(string dataDir)
    {
        var path = Path.Combine(dataDir, FileName);
        if (!File.Exists(path))
        {
            return Empty;
        }

        DaemonConfigFile? config;
        try
        {
            config = new DeserializerBuilder()
                .WithNamingConvention(UnderscoredNamingConvention.Instance)
                .Build()
                .Deserialize<DaemonConfigFile?>(File.ReadAllText(path));
        }
        catch (YamlException ex)
        {
            // YamlDotNet's innermost message names the key ("Property 'x' not found on type …").
            var reason = ex.InnerException?.Message ?? ex.Message;
            throw new UsageException($"{path} line {ex.Start.Line}: {reason}");
        }

        config ??= Empty;
        if (config.Certmesh is { } certmesh && CertmeshOptions.CheckPolicy(
                certmesh.CertLifetimeDays ?? 30, certmesh.RenewAtDay ?? 20) is { } broken)
        {
            throw new UsageException($"{path}: certmesh: {broken.Replace("lifetime_days", "cert_lifetime_days", StringComparison.Ordinal)}");
        }

        if (config.Certmesh is { } minutes && Koi.Certmesh.CertmeshOptions.CheckMinutes(minutes.CertLifetimeMinutes, minutes.RenewAtMinute) is { } brokenMinutes)
        {
            throw new UsageException($"{path}: certmesh: {brokenMinutes.Replace("lifetime_minutes", "cert_lifetime_minutes", StringComparison.Ordinal)}");
        }

        if (config.Certmesh?.MeshPort is < -1 or > 65_535)
        {
            throw new UsageException($"{path}: certmesh: mesh_port must be -1 (off), 0 (any free port) or 1 to 65535");
        }

        if (config.Certmesh?.StandbySyncSecs is < 1 or > 86_400 || config.Certmesh?.HaProbeSecs is < 1 or > 3_600
            || config.Certmesh?.FailoverGraceSecs is < 1 or > 86_400)
        {
            throw new UsageException($"{path}: certmesh: standby_sync_secs must be 1 to 86400, ha_probe_secs 1 to 3600, failover_grace_secs 1 to 86400");
        }

        if (config.Certmesh?.CaCheckSecs is < 5 or > 86_400)
        {
            throw new UsageException($"{path}: certmesh: ca_check_secs must be 5 to 86400");
        }

        return config;
    }

    internal sealed class CertmeshSection
    {
        /// <summary>Lifetime of certificates in a mesh created from now on; <c>koi certmesh set-policy</c> changes a live one.</summary>
        public int? CertLifetimeDays { get; set; }

        public int? RenewAtDay { get; set; }

        /// <summary>Test setting: certificate lifetime in minutes (with <see cref="RenewAtMinute"/>) for a mesh created from now on.</summary>
        public int? CertLifetimeMinutes { get; set; }

        public int? RenewAtMinute { get; set; }

        /// <summary>Port of the CA's mTLS plane; default the HTTP port + 2 (5643).</summary>
        public int? MeshPort { get; set; }

        /// <summary>On a member: seconds between proofs that the CA endpoint is still the pinned CA (default 300).</summary>
        public int? CaCheckSecs { get; set; }

        /// <summary>On a standby CA: seconds between pulls of roster, audit log and bundle from the primary (default 300).</summary>
        public int? StandbySyncSecs { get; set; }

        /// <summary>Seconds between the standby's (and the primary's) probes of the other CA (default 10).</summary>
        public int? HaProbeSecs { get; set; }

        /// <summary>Seconds without the primary before the standby takes over (default 60).</summary>
        public int? FailoverGraceSecs { get; set; }
    }
}
