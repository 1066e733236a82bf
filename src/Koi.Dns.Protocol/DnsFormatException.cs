namespace Koi.Dns.Protocol;

/// <summary>A packet is not a well-formed DNS message. The only exception <see cref="DnsMessageReader"/> throws for bad input.</summary>
public sealed class DnsFormatException : FormatException
{
    public DnsFormatException()
        : this(DnsFormatError.None, -1, "The packet is not a well-formed DNS message.")
    {
    }

    public DnsFormatException(string message)
        : this(DnsFormatError.None, -1, message)
    {
    }

    public DnsFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        Offset = -1;
    }

    public DnsFormatException(DnsFormatError reason, int offset)
        : this(reason, offset, $"Malformed DNS message: {reason} at offset {offset}.")
    {
    }

    private DnsFormatException(DnsFormatError reason, int offset, string message)
        : base(message)
    {
        Reason = reason;
        Offset = offset;
    }

    public DnsFormatError Reason { get; }

    /// <summary>Byte offset in the packet where the problem was found, or -1 when unknown.</summary>
    public int Offset { get; }
}
