using Koi.Mdns;

namespace Koi.Cli.Commands.Mdns;

/// <summary>
/// The CLI's own mDNS engine, for when no daemon (or a daemon without mDNS) is there: discovery and resolution work
/// on a bare machine, and announce keeps a responder alive for as long as the command runs.
/// </summary>
internal static class MdnsLocalEngine
{
    public static async Task<MdnsEngine> StartAsync(IReadOnlyList<string> interfaces, CancellationToken cancellationToken)
    {
        var engine = MdnsEngine.Create(new MdnsOptions { Interfaces = interfaces });
        try
        {
            await engine.StartAsync(cancellationToken);
            if (engine.Stats.Interfaces.Count == 0)
            {
                // Not an error (a laptop offline), but silence would look like an empty network.
                await Console.Error.WriteLineAsync("warning: no multicast-capable network interface is up; nothing can be seen or announced");
            }

            return engine;
        }
        catch
        {
            await engine.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// True when the daemon is reachable and runs mDNS. An endpoint the user named must work (its failure is the
    /// answer); the default local daemon may simply be absent, or run with --no-mdns.
    /// </summary>
    public static async Task<bool> DaemonRunsMdnsAsync(CliContext cli, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await cli.Daemon.SendRawAsync(HttpMethod.Get, "/v1/mdns/status", null, cancellationToken);
            return true;
        }
        catch (DaemonUnreachableException) when (!cli.Daemon.Chosen)
        {
            return false;
        }
        catch (DaemonErrorException error) when (error.Status == 404 && !cli.Daemon.Chosen)
        {
            return false;
        }
    }
}
