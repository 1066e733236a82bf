using System.Security;

namespace Koi.Service;

/// <summary>
/// macOS: the launchd job <c>koi install</c> writes to /Library/LaunchDaemons. Untested: no macOS machine is in
/// koi's test bed (docs/service.md says so); the plist follows launchd.plist(5).
/// </summary>
internal static class LaunchdPlist
{
    public const string Label = "dev.koi.daemon";
    public const string Path = "/Library/LaunchDaemons/" + Label + ".plist";

    public static string Render(ServiceLayout layout) => $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
        <plist version="1.0">
        <dict>
          <key>Label</key><string>{Label}</string>
          <key>ProgramArguments</key>
          <array>
            <string>{SecurityElement.Escape(layout.BinaryPath)}</string>
            <string>daemon</string>
            <string>--data-dir</string>
            <string>{SecurityElement.Escape(layout.DataDir)}</string>
          </array>
          <key>RunAtLoad</key><true/>
          <key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>
          <key>StandardErrorPath</key><string>/var/log/koi.log</string>
        </dict>
        </plist>

        """;
}
