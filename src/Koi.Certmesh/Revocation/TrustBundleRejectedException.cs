namespace Koi.Certmesh.Revocation;

/// <summary>A bundle a member must not apply; <see cref="Reason"/> is a stable word for audit and status.</summary>
internal sealed class TrustBundleRejectedException(string reason, string message) : Exception(message)
{
    /// <summary><c>malformed</c>, <c>wrong_ca</c>, <c>bad_signature</c> or <c>older</c>.</summary>
    public string Reason { get; } = reason;
}
