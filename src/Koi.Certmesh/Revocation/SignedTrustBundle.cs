namespace Koi.Certmesh.Revocation;

/// <summary>
/// A <see cref="TrustBundle"/> on the wire and on disk: the exact JSON bytes that were signed (base64), and the CA's
/// ECDSA P-256 / SHA-256 signature over <see cref="TrustBundleSigner.Context"/> followed by those bytes. Signing bytes
/// rather than a re-serialised object means no canonical JSON is needed: the verifier checks what it will parse.
/// </summary>
internal sealed record SignedTrustBundle(string Payload, string Signature);
