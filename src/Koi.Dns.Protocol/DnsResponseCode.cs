namespace Koi.Dns.Protocol;

/// <summary>
/// The 4-bit RCODE of the header (RFC 1035 §4.1.1, RFC 2136). With EDNS the upper 8 bits travel in
/// <see cref="Records.OptRecord.ExtendedResponseCode"/>.
/// </summary>
public enum DnsResponseCode : byte
{
    NoError = 0,
    FormatError = 1,
    ServerFailure = 2,
    NameError = 3,
    NotImplemented = 4,
    Refused = 5,
    YXDomain = 6,
    YXRRSet = 7,
    NXRRSet = 8,
    NotAuth = 9,
    NotZone = 10,
}
