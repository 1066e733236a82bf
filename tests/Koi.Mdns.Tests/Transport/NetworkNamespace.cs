using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Koi.Mdns.Tests.Transport;

/// <summary>
/// A throw-away network namespace with one multicast-capable interface <c>d0</c> (10.99.0.1/24; one end of a veth
/// pair whose other end also stays inside, since not every kernel has the dummy driver), so real
/// sockets can send multicast without any of it reaching a real network. Code that must create its sockets inside
/// runs on a dedicated thread that has joined the namespace (namespaces are per thread on Linux).
/// </summary>
internal sealed partial class NetworkNamespace : IDisposable
{
    public const string Interface = "d0";
    public const string Address = "10.99.0.1";
    private const int CloneNewNet = 0x40000000;

    private NetworkNamespace(string name)
    {
        Name = name;
    }

    public string Name { get; }

    /// <summary>Why a namespace cannot be made here, or null when it can.</summary>
    public static string? Unavailable()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "network namespaces are Linux only";
        }

        if (Environment.UserName != "root")
        {
            return "creating a network namespace needs root";
        }

        return File.Exists("/usr/sbin/ip") || File.Exists("/sbin/ip") || File.Exists("/usr/bin/ip") ? null : "the ip tool is missing";
    }

    public static NetworkNamespace Create()
    {
        var name = $"koi-mdns-test-{Environment.ProcessId}-{Random.Shared.Next(100_000)}";
        Ip($"netns add {name}");
        var ns = new NetworkNamespace(name);
        try
        {
            Ip($"-n {name} link set lo up");
            Ip($"-n {name} link add {Interface} type veth peer name {Interface}p");
            Ip($"-n {name} link set {Interface}p up");
            Ip($"-n {name} link set {Interface} multicast on up");
            Ip($"-n {name} addr add {Address}/24 dev {Interface}");
        }
        catch
        {
            ns.Dispose();
            throw;
        }

        return ns;
    }

    /// <summary>Runs <paramref name="work"/> on a new thread that has entered this namespace.</summary>
    public Task<T> RunInsideAsync<T>(Func<T> work)
    {
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/var/run/netns/{Name}");
                if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns failed: errno {Marshal.GetLastPInvokeError()}");
                }

                result.SetResult(work());
            }
            catch (Exception ex)
            {
                result.SetException(ex);
            }
        })
        { IsBackground = true, Name = "netns " + Name };
        thread.Start();
        return result.Task;
    }

    /// <summary>Waits (at most 5 s) until d0's IPv6 link-local address has passed duplicate address detection.</summary>
    public bool WaitForIPv6()
    {
        for (var i = 0; i < 50; i++)
        {
            var addresses = Run("ip", $"-n {Name} -6 addr show dev {Interface}");
            if (addresses.Contains("fe80::", StringComparison.Ordinal) && !addresses.Contains("tentative", StringComparison.Ordinal))
            {
                return true;
            }

            Thread.Sleep(100);
        }

        return false;
    }

    /// <summary>Runs a command inside the namespace and returns its standard output.</summary>
    public string Exec(string command, string arguments) => Run("ip", $"netns exec {Name} {command} {arguments}");

    public void Dispose()
    {
        try
        {
            Ip($"netns del {Name}");
        }
        catch (InvalidOperationException)
        {
            // Best effort: a namespace left behind is listed by `ip netns` and harmless.
        }
    }

    private static void Ip(string arguments) => Run("ip", arguments);

    private static string Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(10_000))
        {
            process.Kill();
            throw new InvalidOperationException($"{file} {arguments} timed out");
        }

        return process.ExitCode == 0
            ? output.Result
            : throw new InvalidOperationException($"{file} {arguments} failed: {error.Result}");
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);
}
