using System.Globalization;
using Koi.Certmesh;
using Koi.Cli;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Koi.Daemon;

/// <summary>
/// <c>config.yaml</c> in the data dir: settings an operator keeps in a file rather than passing as flags. Optional;
/// an unknown key or a bad value stops the daemon with a message naming it (a typo must not be silently ignored).
/// </summary>
/// <remarks>
/// Read with YamlDotNet's event parser and mapped key by key (docs/performance.md, "Native AOT"): the file has a
/// handful of keys, and explicit mapping keeps reflection out of the binary and names the line of every mistake.
/// </remarks>
internal sealed class DaemonConfigFile
{
    public const string FileName = "config.yaml";

    public static DaemonConfigFile Empty { get; } = new();

    public CertmeshSection? Certmesh { get; init; }

    public static DaemonConfigFile Load(string dataDir)
    {
        var path = Path.Combine(dataDir, FileName);
        if (!File.Exists(path))
        {
            return Empty;
        }

        DaemonConfigFile config;
        try
        {
            config = Parse(File.ReadAllText(path));
        }
        catch (YamlException ex)
        {
            throw new UsageException($"{path} line {ex.Start.Line}: {ex.Message}");
        }

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

    private static DaemonConfigFile Parse(string yaml)
    {
        var parser = new Parser(new StringReader(yaml));
        parser.Consume<StreamStart>();
        if (parser.TryConsume<StreamEnd>(out _) || !parser.TryConsume<DocumentStart>(out _) || IsEmpty(parser))
        {
            return Empty;
        }

        CertmeshSection? certmesh = null;
        foreach (var key in MappingKeys(parser, "the file"))
        {
            certmesh = key.Value switch
            {
                "certmesh" => IsEmpty(parser) ? null : ParseCertmesh(parser),
                _ => throw Unknown(key, "top-level"),
            };
        }

        return new DaemonConfigFile { Certmesh = certmesh };
    }

    private static CertmeshSection ParseCertmesh(Parser parser)
    {
        int? lifetime = null, renewAt = null, lifetimeMinutes = null, renewAtMinute = null, meshPort = null, caCheck = null, standbySync = null, haProbe = null, failoverGrace = null;
        foreach (var key in MappingKeys(parser, "certmesh"))
        {
            switch (key.Value)
            {
                case "cert_lifetime_days":
                    lifetime = Integer(parser, key);
                    break;
                case "renew_at_day":
                    renewAt = Integer(parser, key);
                    break;
                case "cert_lifetime_minutes":
                    lifetimeMinutes = Integer(parser, key);
                    break;
                case "renew_at_minute":
                    renewAtMinute = Integer(parser, key);
                    break;
                case "mesh_port":
                    meshPort = Integer(parser, key);
                    break;
                case "ca_check_secs":
                    caCheck = Integer(parser, key);
                    break;
                case "standby_sync_secs":
                    standbySync = Integer(parser, key);
                    break;
                case "ha_probe_secs":
                    haProbe = Integer(parser, key);
                    break;
                case "failover_grace_secs":
                    failoverGrace = Integer(parser, key);
                    break;
                default:
                    throw Unknown(key, "certmesh");
            }
        }

        return new CertmeshSection
        {
            CertLifetimeDays = lifetime,
            RenewAtDay = renewAt,
            CertLifetimeMinutes = lifetimeMinutes,
            RenewAtMinute = renewAtMinute,
            MeshPort = meshPort,
            CaCheckSecs = caCheck,
            StandbySyncSecs = standbySync,
            HaProbeSecs = haProbe,
            FailoverGraceSecs = failoverGrace,
        };
    }

    /// <summary>Each key of the mapping that starts here, leaving the parser on its value.</summary>
    private static IEnumerable<Scalar> MappingKeys(Parser parser, string what)
    {
        if (!parser.TryConsume<MappingStart>(out _))
        {
            var here = parser.Current;
            throw new YamlException(here?.Start ?? Mark.Empty, here?.End ?? Mark.Empty, $"{what} must be a mapping of keys to values");
        }

        while (!parser.TryConsume<MappingEnd>(out _))
        {
            yield return parser.Consume<Scalar>();
        }
    }

    private static int? Integer(Parser parser, Scalar key)
    {
        if (IsEmpty(parser))
        {
            return null;
        }

        var value = parser.Consume<Scalar>();
        return int.TryParse(value.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new YamlException(value.Start, value.End, $"{key.Value} must be a whole number, not '{value.Value}'");
    }

    /// <summary>A key with nothing after it (<c>certmesh:</c>) is null; consumes that empty value.</summary>
    private static bool IsEmpty(Parser parser)
    {
        if (parser.Current is Scalar { Value.Length: 0, IsPlainImplicit: true })
        {
            parser.MoveNext();
            return true;
        }

        return false;
    }

    private static YamlException Unknown(Scalar key, string section) =>
        new(key.Start, key.End, $"unknown {section} key '{key.Value}'");

    internal sealed class CertmeshSection
    {
        /// <summary>Lifetime of certificates in a mesh created from now on; <c>koi certmesh set-policy</c> changes a live one.</summary>
        public int? CertLifetimeDays { get; init; }

        public int? RenewAtDay { get; init; }

        /// <summary>Test setting: certificate lifetime in minutes (with <see cref="RenewAtMinute"/>) for a mesh created from now on.</summary>
        public int? CertLifetimeMinutes { get; init; }

        public int? RenewAtMinute { get; init; }

        /// <summary>Port of the CA's mTLS plane; default the HTTP port + 2 (5643).</summary>
        public int? MeshPort { get; init; }

        /// <summary>On a member: seconds between proofs that the CA endpoint is still the pinned CA (default 300).</summary>
        public int? CaCheckSecs { get; init; }

        /// <summary>On a standby CA: seconds between pulls of roster, audit log and bundle from the primary (default 300).</summary>
        public int? StandbySyncSecs { get; init; }

        /// <summary>Seconds between the standby's (and the primary's) probes of the other CA (default 10).</summary>
        public int? HaProbeSecs { get; init; }

        /// <summary>Seconds without the primary before the standby takes over (default 60).</summary>
        public int? FailoverGraceSecs { get; init; }
    }
}
