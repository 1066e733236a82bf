using System.Text;

namespace Koi.Service;

/// <summary>
/// The systemd unit <c>koi install</c> writes. Every directive is explained in docs/service.md; the hardening keeps
/// what koi itself needs writable (its data dir, the system trust stores it installs the mesh root into, root's NSS
/// database for Chromium) and nothing else.
/// </summary>
internal static class SystemdUnit
{
    /// <summary>systemd restarts koi if it stops answering for this long (the watchdog pings at a third of it).</summary>
    public const int WatchdogSeconds = 30;

    public static string Render(ServiceLayout layout, string version)
    {
        var unit = new StringBuilder();
        unit.Append("# Written by `koi install` (koi ").Append(version).Append("). `koi uninstall` removes it;\n");
        unit.Append("# change settings with `systemctl edit koi` so a re-install keeps them.\n");
        unit.Append("""
            [Unit]
            Description=koi local network toolkit (mDNS, certmesh CA, .lan DNS, health, HTTPS proxy)
            After=network-online.target
            Wants=network-online.target
            StartLimitIntervalSec=120
            StartLimitBurst=5

            [Service]
            Type=notify
            NotifyAccess=main

            """);
        unit.Append("ExecStart=").Append(Quote(layout.BinaryPath)).Append(" daemon --data-dir ").Append(Quote(layout.DataDir)).Append('\n');
        unit.Append("Restart=on-failure\nRestartSec=2\n");
        unit.Append("WatchdogSec=").Append(WatchdogSeconds).Append('\n');
        unit.Append("""
            TimeoutStopSec=30
            UMask=0077
            AmbientCapabilities=CAP_NET_BIND_SERVICE
            NoNewPrivileges=yes
            PrivateTmp=yes
            ProtectSystem=strict

            """);
        unit.Append("ReadWritePaths=").Append(Quote(layout.DataDir)).Append('\n');
        unit.Append("""
            ReadWritePaths=-/etc/ssl/certs -/usr/local/share/ca-certificates -/etc/pki -/etc/ca-certificates
            ProtectHome=read-only
            ReadWritePaths=-/root/.pki
            ProtectKernelTunables=yes
            ProtectKernelModules=yes
            ProtectKernelLogs=yes
            ProtectControlGroups=yes
            ProtectClock=yes
            RestrictRealtime=yes
            RestrictSUIDSGID=yes
            LockPersonality=yes
            RestrictNamespaces=yes
            RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
            SystemCallArchitectures=native

            [Install]
            WantedBy=multi-user.target

            """);
        return unit.ToString();
    }

    // systemd splits ExecStart= on whitespace and honours double quotes (systemd.service(5), "Command lines").
    private static string Quote(string path) =>
        path.Any(char.IsWhiteSpace) ? "\"" + path.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"" : path;
}
