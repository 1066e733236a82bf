using Koi.Core.Errors;
using Koi.Dns.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Koi.Dns.Api;

/// <summary>The routes under <c>/v1/dns</c>. Every failure is a <see cref="KoiException"/>; the daemon turns it into JSON.</summary>
internal static class DnsHttpEndpoints
{
    public static void Map(IEndpointRouteBuilder group)
    {
        group.MapGet("/status", (DnsService dns) => TypedResults.Ok(dns.Status()));
        group.MapPost("/serve", (DnsService dns, ServeRequest? request, CancellationToken ct) => dns.ServeAsync(request ?? new ServeRequest(), ct));
        group.MapPost("/stop", (DnsService dns, CancellationToken ct) => dns.StopServingAsync(ct));
        group.MapGet("/lookup", (DnsService dns, string? name, string? type, CancellationToken ct) => dns.LookupAsync(name, type, ct));
        group.MapGet("/entries", Entries).Produces<IReadOnlyList<Zone.ZoneEntry>>(StatusCodes.Status200OK);
        group.MapPost("/entries", AddAsync)
            .Produces<EntryAdded>(StatusCodes.Status200OK).Produces<EntryAdded>(StatusCodes.Status201Created);
        group.MapDelete("/entries/{name}", (DnsService dns, string name, CancellationToken ct) => dns.RemoveEntryAsync(name, ct));
        group.MapGet("/zone", Zone)
            .Produces<ZoneExportView>(StatusCodes.Status200OK).Produces<string>(StatusCodes.Status200OK, "text/plain");
    }

    private static IResult Entries(DnsService dns, string? source)
    {
        var entries = dns.Zone.Entries;
        if (source is null)
        {
            return TypedResults.Ok(entries);
        }

        var filtered = new List<Zone.ZoneEntry>();
        foreach (var entry in entries)
        {
            if (string.Equals(entry.Source.ToString(), source, StringComparison.OrdinalIgnoreCase))
            {
                filtered.Add(entry);
            }
        }

        return TypedResults.Ok(filtered);
    }

    private static async Task<IResult> AddAsync(DnsService dns, EntryRequest? request, CancellationToken ct)
    {
        if (request is null)
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, "the body needs a name and an address");
        }

        var added = await dns.AddEntryAsync(request, ct);
        return added.Created ? TypedResults.Created($"/v1/dns/entries/{added.Name}", added) : TypedResults.Ok(added);
    }

    private static IResult Zone(DnsService dns, string? format)
    {
        var snapshot = dns.Zone;
        return (format ?? "json").ToLowerInvariant() switch
        {
            "json" => TypedResults.Ok(new ZoneExportView(snapshot.ZoneText, snapshot.Serial, snapshot.Entries)),
            "hosts" or "dnsmasq" => TypedResults.Text(ZoneExport.Text(snapshot, format!.ToLowerInvariant()), "text/plain; charset=utf-8"),
            _ => throw ZoneExport.Unknown(format),
        };
    }
}
