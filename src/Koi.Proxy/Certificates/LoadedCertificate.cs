using System.Net.Security;

namespace Koi.Proxy.Certificates;

/// <summary>A certificate and key ready for handshakes, with what status shows of it (never the key).</summary>
/// <param name="EcdsaKey">An ECDSA key (else RSA): which TLS 1.2 suites a client must offer to be served.</param>
/// <param name="Stamp">Modification times and sizes of the files it came from, to notice a change with two stats.</param>
internal sealed record LoadedCertificate(
    SslStreamCertificateContext Context,
    string Subject,
    string Serial,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    IReadOnlyList<string> Names,
    DateTimeOffset LoadedAt,
    bool EcdsaKey,
    FileStamp Stamp);

/// <summary>What two stats say about fullchain.pem and key.pem; a swap of the directory changes it.</summary>
internal readonly record struct FileStamp(long ChainWritten, long ChainLength, long ChainCreated, long KeyWritten, long KeyLength, long KeyCreated)
{
    public static FileStamp? Read(string directory)
    {
        var chain = new FileInfo(Path.Combine(directory, CertificateLocation.FullChainFile));
        var key = new FileInfo(Path.Combine(directory, CertificateLocation.KeyFile));
        if (!chain.Exists || !key.Exists)
        {
            return null;
        }

        return new FileStamp(
            chain.LastWriteTimeUtc.Ticks, chain.Length, chain.CreationTimeUtc.Ticks,
            key.LastWriteTimeUtc.Ticks, key.Length, key.CreationTimeUtc.Ticks);
    }
}
