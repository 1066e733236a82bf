using System.CommandLine;
using Koi.Dashboard;

namespace Koi.Cli.Commands;

/// <summary><c>koi dashboard</c>: asks the local daemon (with its token) for a one-time login link and prints it.</summary>
internal static class DashboardCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var command = new Command("dashboard", """
            Print a one-time link that logs this machine's browser into the web dashboard.

            The link works once, within 2 minutes; it sets a session cookie (12 hours) and never carries the daemon
            token. The dashboard answers on the daemon's loopback address (http://127.0.0.1:5641/).

            Example:
              koi dashboard
            """);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var link = await cli.Daemon.SendAsync<DashboardEndpoints.DashboardLinkView>(HttpMethod.Post, "/v1/dashboard/links", null, ct);
            if (cli.Json)
            {
                cli.WriteJson(link);
            }
            else
            {
                cli.Stdout.WriteLine("Open this link in a browser on this machine (it works once, for 2 minutes):");
                cli.Stdout.WriteLine();
                cli.Stdout.WriteLine($"  {link.Url}");
                if (link.LanUrl is { } lan)
                {
                    cli.Stdout.WriteLine();
                    cli.Stdout.WriteLine("or, from another machine (the same link; plain HTTP on the LAN):");
                    cli.Stdout.WriteLine();
                    cli.Stdout.WriteLine($"  {lan}");
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
