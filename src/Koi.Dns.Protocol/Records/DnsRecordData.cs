using System.Buffers;
using Koi.Dns.Protocol.Wire;

namespace Koi.Dns.Protocol.Records;

/// <summary>
/// The typed rdata of a resource record. The set is closed: one subclass per decoded type, and
/// <see cref="UnknownRecordData"/> for every other type, kept as raw bytes.
/// </summary>
public abstract record DnsRecordData
{
    private protected DnsRecordData()
    {
    }

    public abstract DnsType Type { get; }

    /// <summary>
    /// The rdata as bytes with every name written in full: the form mDNS compares when breaking probe ties and
    /// deciding whether two records are identical (RFC 6762 §8.2).
    /// </summary>
    public byte[] ToUncompressedRdata()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ushort.MaxValue);
        try
        {
            var writer = new DnsWireWriter(buffer.AsMemory(0, ushort.MaxValue), DnsCompressionMode.None);
            WriteTo(writer);
            return buffer.AsSpan(0, writer.Position).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    internal abstract void WriteTo(DnsWireWriter writer);
}
