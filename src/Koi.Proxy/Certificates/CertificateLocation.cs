using Koi.Core.Paths;

namespace Koi.Proxy.Certificates;

/// <summary>
/// Where an entry's certificate lives: <c>--cert-path</c>, else <c>&lt;data-dir&gt;/certs/&lt;hostname&gt;/</c> as
/// certmesh writes it. The host name follows certmesh's rule — the first label of the machine's
/// name, lower case — so both name the same directory without knowing each other.
/// </summary>
internal static class CertificateLocation
{
    public const string FullChainFile = "fullchain.pem";
    public const string KeyFile = "key.pem";

    public static string MachineHostname() => System.Net.Dns.GetHostName().Split('.')[0].ToLowerInvariant();

    public static string Directory(string? certPath, KoiPaths paths, string hostname) =>
        certPath ?? Path.Combine(paths.CertsDir, hostname);
}
