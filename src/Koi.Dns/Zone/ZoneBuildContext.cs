using System.Net;
using Koi.Core.Net;

namespace Koi.Dns.Zone;

/// <summary>What <see cref="ZoneBuilder"/> has claimed so far: one draft per name, the shadowed names, dropped public addresses.</summary>
internal sealed class ZoneBuildContext(string zone)
{
    public string Zone { get; } = ZoneNames.HostName(zone) ?? throw new ArgumentException($"'{zone}' is not a valid zone name", nameof(zone));

    public Dictionary<string, ZoneDraft> Drafts { get; } = new(StringComparer.Ordinal);

    public List<ShadowedName> Shadowed { get; } = [];

    public int PublicDropped { get; set; }

    /// <summary>The draft to add to, or null when a higher source (or another kind of name) owns the name.</summary>
    public ZoneDraft? Claim(string name, ZoneSource source, ZoneDraftKind kind)
    {
        // Callers build names from validated labels; only the total length can still be too much.
        if (name.Length > ZoneNames.MaxNameLength)
        {
            return null;
        }

        if (!Drafts.TryGetValue(name, out var draft))
        {
            draft = new ZoneDraft(name, source, kind);
            Drafts[name] = draft;
            return draft;
        }

        if (draft.Source == source)
        {
            return draft.Kind == kind ? draft : null;
        }

        if (draft.Source == ZoneSource.Static && !Shadowed.Exists(s => s.Name == name && s.Hidden == source))
        {
            Shadowed.Add(new ShadowedName(name, source));
        }

        return null;
    }

    public void AddAddress(ZoneDraft draft, IPAddress address)
    {
        var normal = Normalize(address);
        if (IpRanges.IsLocalScope(normal))
        {
            draft.AddAddress(normal);
        }
        else
        {
            PublicDropped++;
        }
    }

    public static IPAddress Normalize(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : new IPAddress(address.GetAddressBytes());
}
