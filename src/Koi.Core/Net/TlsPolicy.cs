using System.Net.Security;
using System.Security.Authentication;

namespace Koi.Core.Net;

/// <summary>
/// The TLS every koi server port offers (docs/security.md): TLS 1.2 and 1.3, AEAD cipher suites only, forward secret
/// key exchange only. CBC suites are left out because their MAC-then-encrypt construction is what LUCKY13 and its
/// relatives attack (RFC 7457 §2.8); every client koi serves (browsers, curl, .NET, Go) speaks AES-GCM or ChaCha20.
/// </summary>
public static class TlsPolicy
{
    public const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>TLS 1.3's three suites, then ECDHE with AES-GCM or ChaCha20-Poly1305 for TLS 1.2 (ECDSA and RSA keys).</summary>
    public static readonly IReadOnlyList<TlsCipherSuite> AeadSuites =
    [
        TlsCipherSuite.TLS_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ];

    // Built once: the policy is immutable and handing the same instance to every handshake costs nothing.
    private static readonly CipherSuitesPolicy? Policy = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()
        ? new CipherSuitesPolicy(AeadSuites)
        : null;

    /// <summary>
    /// Restricts <paramref name="options"/> to <see cref="Protocols"/> and <see cref="AeadSuites"/>. On Windows .NET
    /// cannot set suites per connection (SChannel decides, system-wide); there only the protocols are set.
    /// </summary>
    public static SslServerAuthenticationOptions Apply(SslServerAuthenticationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.EnabledSslProtocols = Protocols;
        if (Policy is not null)
        {
            options.CipherSuitesPolicy = Policy;
        }

        return options;
    }

    /// <summary>
    /// Sets <see cref="Protocols"/> only and leaves the suites to .NET's default list (ECDHE, AES-GCM first, with
    /// server preference), for a server that refuses clients without an AEAD suite itself — before the handshake, by
    /// what their ClientHello offers — and checks <see cref="IsAead"/> after it. The reason: on Linux a
    /// <see cref="CipherSuitesPolicy"/> makes .NET build a new OpenSSL context for every handshake, which costs a
    /// few hundred microseconds of CPU each and turns session resumption off (docs/performance.md, "Proxy").
    /// </summary>
    public static SslServerAuthenticationOptions ApplyProtocols(SslServerAuthenticationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.EnabledSslProtocols = Protocols;
        return options;
    }

    /// <summary>
    /// True when the ClientHello in <paramref name="hello"/> lets an AEAD suite be negotiated with a certificate whose
    /// key is ECDSA (<paramref name="ecdsaKey"/>) or RSA: TLS 1.3, or a TLS 1.2 ECDHE AES-GCM suite for that key. A
    /// server that lets .NET choose from its default list (<see cref="ApplyProtocols"/>) answers a client for which this
    /// is false with <see cref="HandshakeFailureAlert"/> instead of handshaking — as a server listing AEAD suites only
    /// would. Bytes that are not a ClientHello count as true: the TLS stack refuses them itself.
    /// </summary>
    public static bool OffersAead(ReadOnlySpan<byte> hello, bool ecdsaKey)
    {
        if (ClientHello.Read(hello, out _, out _) == ClientHelloResult.NotTls)
        {
            return true;
        }

        var offers = ClientHello.Offers(hello);
        return (offers & (HelloOffers.Tls13 | (ecdsaKey ? HelloOffers.EcdsaAesGcm : HelloOffers.RsaAesGcm))) != 0;
    }

    /// <summary>A plaintext fatal handshake_failure alert (40): no keys exist before the ServerHello (RFC 8446 §6.2).</summary>
    public static ReadOnlyMemory<byte> HandshakeFailureAlert { get; } = new byte[] { 21, 3, 3, 0, 2, 2, 40 };

    /// <summary>True when <paramref name="suite"/> is one of <see cref="AeadSuites"/>.</summary>
    public static bool IsAead(TlsCipherSuite suite) => suite is
        TlsCipherSuite.TLS_AES_128_GCM_SHA256 or TlsCipherSuite.TLS_AES_256_GCM_SHA384 or TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256
        or TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 or TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
        or TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 or TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
        or TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 or TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256;
}
