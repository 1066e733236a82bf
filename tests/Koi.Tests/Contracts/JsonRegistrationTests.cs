using System.Reflection;
using Koi.Core.Events;
using Koi.Daemon;
using Koi.Tests.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;

namespace Koi.Tests.Contracts;

/// <summary>
/// JSON goes only through the source-generated contexts (docs/performance.md, "Native AOT"), so a shape no context
/// lists fails at run time, where it is used. These tests find such shapes at build time instead: every request and
/// response type a route declares, and every event payload record, must resolve from <see cref="AppJson.Options"/>.
/// </summary>
public sealed class JsonRegistrationTests
{
    // Records named *Event that never go through JSON.
    private static readonly HashSet<string> NotJson = new(StringComparer.Ordinal)
    {
        "Koi.Cli.Commands.Mdns.MdnsServiceEvent", // the CLI's in-memory discovery item; printed as MdnsEventOutput
    };

    [Fact]
    public async Task EveryRoute_DeclaredBodyAndAnswerTypes_ResolveFromContexts()
    {
        await using var daemon = await TestDaemon.StartAsync(
            DaemonApp.BuiltInCapabilities(new DaemonOptions { DataDir = Path.GetTempPath() }),
            disabled: new HashSet<string>(StringComparer.Ordinal) { "mdns" });

        var missing = new List<string>();
        var seen = 0;
        foreach (var endpoint in daemon.Services.GetServices<EndpointDataSource>().SelectMany(s => s.Endpoints).OfType<RouteEndpoint>())
        {
            foreach (var type in JsonTypes(endpoint))
            {
                seen++;
                if (!Resolves(type))
                {
                    missing.Add($"{endpoint.RoutePattern.RawText}: {type}");
                }
            }
        }

        Assert.True(missing.Count == 0, "no JsonSerializerContext lists:\n" + string.Join('\n', missing));
        Assert.True(seen > 40, $"only {seen} route types found: the endpoint metadata this test reads is gone");
    }

    [Fact]
    public void EveryEventRecord_ResolvesFromContexts()
    {
        var events = typeof(AppJson).Assembly.GetReferencedAssemblies()
            .Where(a => a.Name!.StartsWith("Koi.", StringComparison.Ordinal))
            .Select(Assembly.Load)
            .Append(typeof(AppJson).Assembly)
            .SelectMany(a => a.GetTypes())
            .Where(t => t.Name.EndsWith("Event", StringComparison.Ordinal) && t.IsClass && !t.IsAbstract && t.GetMethod("<Clone>$") is not null)
            .Where(t => t != typeof(KoiEvent) && !NotJson.Contains(t.FullName!.Replace('+', '.')))
            .ToList();

        var missing = events.Where(t => !Resolves(t)).Select(t => t.FullName).ToList();

        Assert.True(missing.Count == 0, "event records no JsonSerializerContext lists:\n" + string.Join('\n', missing));
        Assert.True(events.Count > 15, $"only {events.Count} event records found");
    }

    [Fact]
    public void Options_UnlistedType_ThrowsInsteadOfReflection()
    {
        // Guards the two tests above: with reflection as a fallback every type would "resolve".
        Assert.ThrowsAny<NotSupportedException>(() => AppJson.Options.GetTypeInfo(typeof(Unlisted)));
    }

    private static IEnumerable<Type> JsonTypes(RouteEndpoint endpoint)
    {
        foreach (var produces in endpoint.Metadata.OfType<IProducesResponseTypeMetadata>())
        {
            if (produces.Type is { } type && type != typeof(void) && IsJson(produces.ContentTypes))
            {
                yield return type;
            }
        }

        foreach (var accepts in endpoint.Metadata.OfType<IAcceptsMetadata>())
        {
            if (accepts.RequestType is { } type && IsJson(accepts.ContentTypes))
            {
                yield return type;
            }
        }
    }

    private static bool IsJson(IEnumerable<string> contentTypes) =>
        !contentTypes.Any() || contentTypes.Any(c => c.Contains("json", StringComparison.OrdinalIgnoreCase));

    private static bool Resolves(Type type)
    {
        try
        {
            AppJson.Options.GetTypeInfo(type);
            return true;
        }
        catch (NotSupportedException)
        {
            return false;
        }
    }

    private sealed record Unlisted(int Value);
}
