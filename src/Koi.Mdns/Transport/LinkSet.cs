namespace Koi.Mdns.Transport;

/// <summary>The links and interfaces the engine runs on, as the transport opened them.</summary>
internal sealed class LinkSet
{
    private readonly Dictionary<int, MdnsInterface> _interfaces = [];

    public LinkSet(IReadOnlyList<MdnsInterface> interfaces, IReadOnlyList<MdnsLink> links)
    {
        foreach (var nic in interfaces)
        {
            _interfaces[nic.Index] = nic;
        }

        Interfaces = interfaces;
        Links = links;
    }

    public static LinkSet Empty { get; } = new([], []);

    public IReadOnlyList<MdnsInterface> Interfaces { get; }

    public IReadOnlyList<MdnsLink> Links { get; }

    public MdnsInterface? Interface(int index) => _interfaces.GetValueOrDefault(index);

    /// <summary>True when <paramref name="address"/> belongs to any interface in use: a packet from it came from this host.</summary>
    public bool IsOwnAddress(System.Net.IPAddress address)
    {
        foreach (var nic in Interfaces)
        {
            if (nic.Owns(address))
            {
                return true;
            }
        }

        return false;
    }
}
