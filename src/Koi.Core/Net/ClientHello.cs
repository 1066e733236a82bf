namespace Koi.Core.Net;

/// <summary>What <see cref="ClientHello.Read"/> found in the first bytes a client sent.</summary>
public enum ClientHelloResult
{
    /// <summary>The first record is not complete yet: read more.</summary>
    NeedMore,

    /// <summary>A ClientHello with a host_name: the name's position is given.</summary>
    ServerName,

    /// <summary>A complete ClientHello without a host_name (an IP literal in the URL, or an old client).</summary>
    NoServerName,

    /// <summary>Not a TLS handshake, or one too large or malformed to route.</summary>
    NotTls,
}

/// <summary>What a ClientHello offers that decides whether an AEAD suite can be negotiated (<see cref="ClientHello.Offers"/>).</summary>
[Flags]
public enum HelloOffers
{
    None = 0,

    /// <summary>TLS 1.3 in supported_versions (RFC 8446 §4.2.1): every TLS 1.3 suite is AEAD.</summary>
    Tls13 = 1,

    /// <summary>A TLS 1.2 ECDHE-ECDSA suite with AES-GCM (RFC 5289).</summary>
    EcdsaAesGcm = 2,

    /// <summary>A TLS 1.2 ECDHE-RSA suite with AES-GCM (RFC 5289).</summary>
    RsaAesGcm = 4,
}

/// <summary>
/// Finds the server name (SNI, RFC 6066 §3) and what a TLS ClientHello (RFC 8446 §4.1.2) offers without copying or
/// allocating, so a server can choose (the proxy: which entry of a shared port) or refuse (a client with no AEAD suite,
/// <see cref="TlsPolicy.OffersAead"/>) before the handshake starts. Only a ClientHello that fits in
/// the first record is read — every browser and TLS library sends it so; one split over several records is refused.
/// Every length is checked against what is left before it is used.
/// </summary>
public static class ClientHello
{
    private const byte HandshakeRecord = 22;
    private const byte ClientHelloType = 1;
    private const ushort ServerNameExtension = 0;
    private const byte HostNameType = 0;
    private const ushort SupportedVersionsExtension = 43;
    private const int Tls13Version = 0x0304;

    /// <summary>The largest record a client may send (RFC 8446 §5.1: 2^14 bytes of fragment) plus its header.</summary>
    public const int MaxRecord = 5 + (1 << 14);

    /// <param name="data">The bytes received so far, from the first.</param>
    /// <param name="nameStart">With <see cref="ClientHelloResult.ServerName"/>: where the host name starts in <paramref name="data"/>.</param>
    /// <param name="nameLength">Its length in bytes (ASCII; an IDN arrives as its xn-- form).</param>
    public static ClientHelloResult Read(ReadOnlySpan<byte> data, out int nameStart, out int nameLength)
    {
        nameStart = 0;
        nameLength = 0;
        if (data.Length >= 1 && data[0] != HandshakeRecord)
        {
            return ClientHelloResult.NotTls;
        }

        if (data.Length < 5)
        {
            return ClientHelloResult.NeedMore;
        }

        var recordLength = (data[3] << 8) | data[4];
        if (data[1] != 3 || recordLength is 0 or > MaxRecord - 5)
        {
            return ClientHelloResult.NotTls;
        }

        if (data.Length < 5 + recordLength)
        {
            return ClientHelloResult.NeedMore;
        }

        var record = data.Slice(5, recordLength);
        if (record.Length < 4 || record[0] != ClientHelloType)
        {
            return ClientHelloResult.NotTls;
        }

        var bodyLength = (record[1] << 16) | (record[2] << 8) | record[3];
        if (bodyLength > record.Length - 4)
        {
            // The ClientHello goes on in a further record.
            return ClientHelloResult.NotTls;
        }

        var body = record.Slice(4, bodyLength);
        var offset = 2 + 32; // legacy_version, random
        if (!Skip8(body, ref offset) || !Skip16(body, ref offset) || !Skip8(body, ref offset))
        {
            return ClientHelloResult.NotTls;
        }

        if (offset == body.Length)
        {
            return ClientHelloResult.NoServerName;
        }

        if (!Read16(body, ref offset, out var extensionsLength) || extensionsLength > body.Length - offset)
        {
            return ClientHelloResult.NotTls;
        }

        var extensions = body.Slice(offset, extensionsLength);
        var extensionsStart = 5 + 4 + offset;
        var at = 0;
        while (at < extensions.Length)
        {
            if (!Read16(extensions, ref at, out var type) || !Read16(extensions, ref at, out var length) || length > extensions.Length - at)
            {
                return ClientHelloResult.NotTls;
            }

            if (type == ServerNameExtension)
            {
                return ReadServerName(extensions.Slice(at, length), extensionsStart + at, out nameStart, out nameLength);
            }

            at += length;
        }

        return ClientHelloResult.NoServerName;
    }

    /// <summary>
    /// What the complete ClientHello in <paramref name="data"/> offers of TLS 1.3 and of the TLS 1.2 AES-GCM suites;
    /// <see cref="HelloOffers.None"/> for anything that is not one (<see cref="Read"/> tells which).
    /// </summary>
    public static HelloOffers Offers(ReadOnlySpan<byte> data)
    {
        if (Read(data, out _, out _) is ClientHelloResult.NeedMore or ClientHelloResult.NotTls)
        {
            return HelloOffers.None;
        }

        // Read checked every length below.
        var recordLength = (data[3] << 8) | data[4];
        var record = data.Slice(5, recordLength);
        var body = record.Slice(4, (record[1] << 16) | (record[2] << 8) | record[3]);
        var offset = 2 + 32;
        Skip8(body, ref offset);
        Read16(body, ref offset, out var suitesLength);
        var offers = HelloOffers.None;
        var suites = body.Slice(offset, suitesLength);
        for (var i = 0; i + 1 < suites.Length; i += 2)
        {
            offers |= ((suites[i] << 8) | suites[i + 1]) switch
            {
                0xC02B or 0xC02C => HelloOffers.EcdsaAesGcm,
                0xC02F or 0xC030 => HelloOffers.RsaAesGcm,
                _ => HelloOffers.None,
            };
        }

        offset += suitesLength;
        Skip8(body, ref offset);
        if (offset == body.Length || !Read16(body, ref offset, out var extensionsLength))
        {
            return offers;
        }

        var extensions = body.Slice(offset, extensionsLength);
        var at = 0;
        while (Read16(extensions, ref at, out var type) && Read16(extensions, ref at, out var length) && length <= extensions.Length - at)
        {
            if (type == SupportedVersionsExtension && length >= 1)
            {
                var versions = extensions.Slice(at + 1, Math.Min(extensions[at], length - 1));
                for (var i = 0; i + 1 < versions.Length; i += 2)
                {
                    if (((versions[i] << 8) | versions[i + 1]) == Tls13Version)
                    {
                        offers |= HelloOffers.Tls13;
                    }
                }
            }

            at += length;
        }

        return offers;
    }

    private static ClientHelloResult ReadServerName(ReadOnlySpan<byte> extension, int extensionStart, out int nameStart, out int nameLength)
    {
        nameStart = 0;
        nameLength = 0;
        var at = 0;
        if (!Read16(extension, ref at, out var listLength) || listLength != extension.Length - at)
        {
            return ClientHelloResult.NotTls;
        }

        while (at < extension.Length)
        {
            var type = extension[at++];
            if (!Read16(extension, ref at, out var length) || length > extension.Length - at)
            {
                return ClientHelloResult.NotTls;
            }

            if (type == HostNameType)
            {
                if (length == 0)
                {
                    return ClientHelloResult.NotTls;
                }

                nameStart = extensionStart + at;
                nameLength = length;
                return ClientHelloResult.ServerName;
            }

            at += length;
        }

        return ClientHelloResult.NoServerName;
    }

    private static bool Read16(ReadOnlySpan<byte> data, ref int offset, out int value)
    {
        if (offset > data.Length - 2)
        {
            value = 0;
            return false;
        }

        value = (data[offset] << 8) | data[offset + 1];
        offset += 2;
        return true;
    }

    private static bool Skip8(ReadOnlySpan<byte> data, ref int offset)
    {
        if (offset > data.Length - 1)
        {
            return false;
        }

        offset += 1 + data[offset];
        return offset <= data.Length;
    }

    private static bool Skip16(ReadOnlySpan<byte> data, ref int offset)
    {
        if (!Read16(data, ref offset, out var length))
        {
            return false;
        }

        offset += length;
        return offset <= data.Length;
    }
}
