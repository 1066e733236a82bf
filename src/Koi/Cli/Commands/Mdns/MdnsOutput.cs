using System.Text;
using System.Text.Json;
using Koi.Cli.Rendering;
using Koi.Core.Storage;
using Koi.Mdns.Api;

namespace Koi.Cli.Commands.Mdns;

/// <summary>Renders services one line each: NDJSON with --json, aligned text otherwise.</summary>
internal static class MdnsOutput
{
    public static void WriteEvent(CliContext cli, MdnsServiceEvent change)
    {
        if (cli.Json)
        {
            cli.Stdout.WriteLine(JsonSerializer.Serialize(new
            {
                change.Event,
                change.Service.Name,
                change.Service.Type,
                change.Service.FullName,
                change.Service.Host,
                change.Service.Port,
                change.Service.Addresses,
                change.Service.Txt,
            }, KoiJson.Options));
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
