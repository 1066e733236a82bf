using System.CommandLine;
using System.Text.Json;
using Koi.Certmesh.Api;

namespace Koi.Cli.Commands.Certmesh;

/// <summary><c>koi certmesh trust status|install|remove</c>: the CA in this machine's trust stores.</summary>
internal static class CertmeshTrustCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var command = new Command("trust", """
            The CA certificate in this machine's trust stores (system store, NSS databases of Chromium and Firefox).

            Examples:
              koi certmesh trust status
              sudo koi certmesh trust install
              koi certmesh trust remove
            """);
        command.Subcommands.Add(Sub(environment, "status", "Where the CA is trusted and where it is missing", HttpMethod.Get, "/v1/certmesh/trust"));
        command.Subcommands.Add(Sub(environment, "install", "Install the CA in every trust store found", HttpMethod.Post, "/v1/certmesh/trust/install"));
        command.Subcommands.Add(Sub(environment, "remove", "Remove the CA from the stores koi installed it in", HttpMethod.Post, "/v1/certmesh/trust/remove"));
        return command;
    }

    private static Command Sub(CliEnvironment environment, string name, string description, HttpMethod method, string path)
    {
        var command = new Command(name, description);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var results = await cli.Daemon.SendAsync<JsonElement>(method, path, null, ct);
            if (cli.Json)
            {
                cli.WriteJson(results);
                return ExitCodes.Ok;
            }

            var failed = false;
            foreach (var store in results.EnumerateArray())
            {
                var state = CertmeshStatusCommand.Text(store, "state");
                failed |= state == "failed";
                var detail = CertmeshStatusCommand.Text(store, "detail");
                var remedy = CertmeshStatusCommand.Text(store, "remedy");
                cli.Stdout.WriteLine($"{CertmeshStatusCommand.Text(store, "store")}: {state}{(detail.Length > 0 ? $" ({detail})" : string.Empty)}{(state is "failed" or "missing" && remedy.Length > 0 ? $" — remedy: {remedy}" : string.Empty)}");
            }

            if (results.GetArrayLength() == 0)
            {
                cli.Stdout.WriteLine("no trust stores managed on this machine");
            }

            return failed ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return command;
    }
}
