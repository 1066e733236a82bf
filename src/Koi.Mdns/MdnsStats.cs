namespace Koi.Mdns;

/// <summary>The engine's figures for <c>koi mdns status</c>; read from memory.</summary>
public sealed record MdnsStats(
    bool Running,
    string HostName,
    IReadOnlyList<MdnsInterfaceInfo> Interfaces,
    int Registrations,
    int Services,
    int CacheRecords,
    long CacheEvictions,
    int Questions,
    long PacketsIn,
    long PacketsOut,
    long PacketsDroppedMalformed,
    long OwnPacketsIgnored);

/// <summary>An interface in use and the addresses announced on it.</summary>
public sealed record MdnsInterfaceInfo(string Name, int Index, IReadOnlyList<string> Addresses);
