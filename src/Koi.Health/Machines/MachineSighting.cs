using System.Net;

namespace Koi.Health.Machines;

/// <summary>What the mDNS registry says about one machine right now.</summary>
/// <param name="Present">At least one of its services is live and resolved: its records have not expired or said goodbye.</param>
/// <param name="LastSeen">When any record of its services last arrived.</param>
internal sealed record MachineSighting(string Name, bool Present, DateTimeOffset LastSeen, IReadOnlyList<IPAddress> Addresses);
