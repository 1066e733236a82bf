using System.Text;
using System.Text.Json;
using Koi.Cli.Rendering;
using Koi.Core.Storage;
using Koi.Cli.Output;
using Koi.Mdns.Api;

namespace Koi.Cli.Commands.Mdns;

/// <summary>Renders services one line each: NDJSON with --json, aligned text otherwise.</summary>
internal static class MdnsOutput
{
    public static void WriteEvent(CliContext cli, MdnsServiceEvent change)
    {
        if (cli.Json)
        {
            var service = change.Service;
            cli.Stdout.WriteLine(JsonSerializer.Serialize(
                new MdnsEventOutput(change.Event, service.Name, service.Type, service.FullName, service.Host, service.Port, service.Addresses, service.Txt),
                KoiJsonContext.Default.MdnsEventOutput));
            return;
        }

        cli.Stdout.WriteLine($"{change.Event,-9}{Describe(change.Service)}");
    }

    public static string Describe(ServiceView service)
    {
        // Every field here comes from whichever device answered on the LAN.
        var line = new StringBuilder(TerminalText.Safe(service.FullName));
        if (service.Host is not null)
        {
            line.Append("  ").Append(TerminalText.Safe(service.Host)).Append(':').Append(service.Port);
        }

        if (service.Addresses.Count > 0)
        {
            line.Append("  ").AppendJoin(',', service.Addresses.Select(TerminalText.Safe));
        }

        foreach (var (key, value) in service.Txt)
        {
            line.Append("  ").Append(TerminalText.Safe(key)).Append('=').Append(TerminalText.Safe(value));
        }

        return line.ToString();
    }
}
