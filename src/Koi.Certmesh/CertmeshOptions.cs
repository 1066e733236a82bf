using System.Net;
using Koi.Certmesh.Trust;

namespace Koi.Certmesh;

/// <summary>How the daemon configures certmesh. Defaults fit a real machine; tests replace the machine-facing parts.</summary>
public sealed class CertmeshOptions
{
    /// <summary>The local DNS zone whose <c>host.zone</c> name every certificate carries.</summary>
    public string Zone { get; init; } = "lan";

    /// <summary>The daemon's default HTTP port, where a CA takes enrollments from the LAN.</summary>
    public const int DefaultEnrollmentPort = 5641;

    /// <summary>The port announced in <c>_certmesh._tcp</c>: the daemon's HTTP API, where enrollment happens.</summary>
    public int AnnouncePort { get; init; } = DefaultEnrollmentPort;

    /// <summary>The daemon's default port of the CA's mTLS plane (the enrollment port + 2).</summary>
    public const int DefaultMeshPort = DefaultEnrollmentPort + 2;

    /// <summary>
    /// Port of the CA's mTLS plane, where members renew and report (config.yaml <c>certmesh.mesh_port</c>); 0 picks a
    /// free port (tests), -1 switches the plane off.
    /// </summary>
    public int MeshPort { get; init; } = DefaultMeshPort;

    /// <summary>Address the mTLS plane listens on: the daemon's HTTP bind address.</summary>
    public IPAddress MeshBind { get; init; } = IPAddress.Loopback;

    /// <summary>How often a member proves its CA is still the one it pinned (config.yaml <c>certmesh.ca_check_secs</c>).</summary>
    public TimeSpan CaCheckInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often a standby CA pulls roster, audit log and bundle from the primary (config.yaml <c>certmesh.standby_sync_secs</c>).</summary>
    public TimeSpan StandbySyncInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often a standby probes the primary, and a primary its peer CA (config.yaml <c>certmesh.ha_probe_secs</c>).</summary>
    public TimeSpan HaProbeInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the primary may be unreachable before the standby takes over (config.yaml <c>certmesh.failover_grace_secs</c>).</summary>
    public TimeSpan FailoverGrace { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>This machine's host label; default the system host name's first label, lowercased.</summary>
    public Func<string>? Hostname { get; init; }

    /// <summary>This machine's LAN addresses for certificate SANs; default <see cref="LanAddresses.Discover"/>.</summary>
    public Func<IReadOnlyList<IPAddress>>? Addresses { get; init; }

    /// <summary>Environment switch that keeps koi out of every trust store (tests on a developer's own machine).</summary>
    public const string NoTrustStoresVariable = "KOI_CERTMESH_NO_TRUST_STORES";

    /// <summary>
    /// Install the CA into this machine's trust stores on create (and remove on destroy). Default: yes, unless
    /// <c>KOI_CERTMESH_NO_TRUST_STORES=1</c>.
    /// </summary>
    public bool ManageTrustStores { get; init; } = Environment.GetEnvironmentVariable(NoTrustStoresVariable) is not ("1" or "true" or "yes");

    /// <summary>Certificate lifetime of a mesh created from now on (config.yaml <c>certmesh.cert_lifetime_days</c>); default 30.</summary>
    public int? DefaultLifetimeDays { get; init; }

    /// <summary>Day of that lifetime when renewal starts (config.yaml <c>certmesh.renew_at_day</c>); default 20.</summary>
    public int? DefaultRenewAtDay { get; init; }

    /// <summary>A test setting (config.yaml <c>certmesh.cert_lifetime_minutes</c>): minutes instead of days for a new mesh.</summary>
    public int? DefaultLifetimeMinutes { get; init; }

    /// <summary>With <see cref="DefaultLifetimeMinutes"/> (config.yaml <c>certmesh.renew_at_minute</c>).</summary>
    public int? DefaultRenewAtMinute { get; init; }

    /// <summary>Null when the two defaults together make a valid policy, else the broken rule.</summary>
    public static string? CheckPolicy(int lifetimeDays, int renewAtDay) => Roster.CertPolicy.Check(lifetimeDays, renewAtDay);

    /// <summary>Null when the minute-scale test setting is absent or valid, else the broken rule.</summary>
    public static string? CheckMinutes(int? lifetimeMinutes, int? renewAtMinute) => Roster.CertPolicy.CheckMinutes(lifetimeMinutes, renewAtMinute);

    /// <summary>Failed unlocks (and TOTP codes) allowed before a lockout (3 → 5 minutes).</summary>
    public int MaxFailures { get; init; } = 3;

    public TimeSpan Lockout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The machine identity auto-unlock is sealed to; default <c>/etc/machine-id</c>.</summary>
    public Func<string?>? MachineId { get; init; }

    /// <summary>The <c>systemd-creds</c> tool auto-unlock method <c>systemd-creds</c> runs; a test seam (default from PATH).</summary>
    internal Func<string>? SystemdCredsTool { get; init; }

    /// <summary>Test seam: where trust is installed; default <see cref="TrustStoreLocator.Default(string)"/>.</summary>
    internal Func<IReadOnlyList<ITrustStore>>? TrustStores { get; init; }

    internal string ResolveHostname() =>
        (Hostname?.Invoke() ?? Dns.GetHostName()).Split('.')[0].ToLowerInvariant();

    internal IReadOnlyList<IPAddress> ResolveAddresses() => Addresses?.Invoke() ?? LanAddresses.Discover();

    internal Authority.SystemdCredsSeal ResolveSystemdCreds() => new(SystemdCredsTool?.Invoke() ?? "systemd-creds");

    internal string? ResolveMachineId() => MachineId is null ? Authority.AutoUnlock.DefaultMachineId() : MachineId();

    internal IReadOnlyList<ITrustStore> ResolveTrustStores(string workDirectory) =>
        !ManageTrustStores ? [] : TrustStores?.Invoke() ?? TrustStoreLocator.Default(workDirectory);
}
