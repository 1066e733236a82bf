using System.Net;

namespace Koi.Mdns.Transport;

/// <summary>A datagram as it arrived. <see cref="Data"/> is only valid during the call that hands it over.</summary>
internal readonly record struct ReceivedPacket(MdnsLink Link, IPEndPoint Source, ReadOnlyMemory<byte> Data);
