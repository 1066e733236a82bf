namespace Koi.Dns.Protocol;

/// <summary>Why <see cref="DnsMessageReader"/> rejected a packet.</summary>
public enum DnsFormatError
{
    None = 0,

    /// <summary>The packet ends inside the header, a name, a fixed-size field or a record's rdata.</summary>
    UnexpectedEndOfPacket,

    /// <summary>The header announces more questions or records than the remaining bytes could possibly hold.</summary>
    CountExceedsPacket,

    /// <summary>A label length byte of 64–191: longer than 63 bytes, or one of the reserved label types.</summary>
    LabelTooLong,

    /// <summary>The (decompressed) name is longer than 255 bytes in wire form.</summary>
    NameTooLong,

    /// <summary>A compression pointer points at itself or back into the name it is part of.</summary>
    CompressionPointerLoop,

    /// <summary>A compression pointer points forward; only prior occurrences may be referenced (RFC 1035 §4.1.4).</summary>
    ForwardCompressionPointer,

    /// <summary>
    /// One name follows more pointers than it could have labels. No encoder does this; a chain of pointers to pointers
    /// would otherwise let a small packet cost quadratic work.
    /// </summary>
    TooManyCompressionPointers,

    /// <summary>A record's fields need more or fewer bytes than its RDLENGTH says.</summary>
    RecordDataLengthMismatch,

    /// <summary>A record's rdata is malformed in a way specific to its type (e.g. an NSEC type bitmap).</summary>
    InvalidRecordData,

    /// <summary>An OPT pseudo-record outside the additional section, with a non-root owner, or more than one.</summary>
    InvalidOptRecord,
}
