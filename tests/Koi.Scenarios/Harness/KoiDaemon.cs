namespace Koi.Scenarios.Harness;

/// <summary>The published koi binary on a lab host, driven through its CLI and HTTP API as a user would.</summary>
internal static class KoiDaemon
{
    /// <summary>koi's default data dir for root; each host has its own /var/lib.</summary>
    public const string DataDir = "/var/lib/koi";

    public const int HttpPort = 5641;

    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(30);

    public static string Binary
    {
        get
        {
            var binary = RepoPaths.KoiBinary;
            return File.Exists(binary)
                ? binary
                : throw new LabException(
                    $"No koi binary at {binary}. Publish it (dotnet publish src/Koi -c Release -r linux-x64 -o artifacts/publish) " +
                    $"or point {RepoPaths.KoiBinaryVariable} at one.");
        }
    }

    /// <summary>Starts `koi daemon` on the host and waits until it answers /healthz there.</summary>
    public static async Task<LabProcess> StartAsync(Lab lab, string host, CancellationToken ct, params string[] options)
    {
        var daemon = await lab.StartBackgroundAsync(host, "koi", [Binary, "daemon", "--data-dir", DataDir, .. options], ct);
        await Poll.UntilAsync(
            async () =>
            {
                if (!daemon.IsRunning)
                {
                    throw new LabException($"koi daemon on {host} exited while starting:\n{daemon.ReadLogTail()}");
                }

                var health = await lab.RunAsync(host, ["curl", "-sf", "--max-time", "2", $"http://127.0.0.1:{HttpPort}/healthz"], ct);
                return health.Succeeded;
            },
            s_startTimeout,
            $"koi daemon on {host} to answer /healthz",
            ct);
        return daemon;
    }

    /// <summary>Runs a koi CLI command on the host against that host's daemon.</summary>
    public static Task<LabCommandResult> CliAsync(Lab lab, string host, CancellationToken ct, params string[] arguments) =>
        lab.RunAsync(host, ["env", $"KOI_DATA_DIR={DataDir}", Binary, .. arguments], ct);

    /// <summary>
    /// A curl command line for a management route of the host's own daemon, carrying the token from its breadcrumb as
    /// every management route needs (docs/api.md).
    /// </summary>
    public static string[] Curl(string path, params string[] curlArguments)
    {
        var quoted = string.Join(' ', curlArguments.Select(a => $"'{a.Replace("'", "'\\''", StringComparison.Ordinal)}'"));
        return ["sh", "-c", $"t=$(python3 -c 'import json;print(json.load(open(\"{DataDir}/daemon.json\"))[\"token\"])'); " +
            $"exec curl -H \"x-koi-token: $t\" {quoted} http://127.0.0.1:{HttpPort}{path}"];
    }
}
