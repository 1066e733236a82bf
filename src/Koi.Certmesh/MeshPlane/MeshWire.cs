namespace Koi.Certmesh.MeshPlane;

/// <summary>
/// <c>POST /v1/certmesh/mesh/renew</c>: a CSR for a key the member just made. <paramref name="Labels"/> are the service
/// labels it asks names for (null: keep the names it holds); <paramref name="Addresses"/> its current addresses (null:
/// the ones it holds). The CA decides what goes on the certificate (docs/certmesh.md "Service names", "Addresses").
/// </summary>
internal sealed record RenewRequest(string? Csr, IReadOnlyList<string>? Labels = null, IReadOnlyList<string>? Addresses = null);

/// <summary>The renewed certificate, the CA certificate it chains to, and the CA's decision on each service name asked.</summary>
internal sealed record RenewResponse(
    string Hostname,
    string ServiceCert,
    string CaCert,
    string CaFingerprint,
    string Serial,
    DateTimeOffset Expires,
    IReadOnlyList<string> Sans,
    IReadOnlyList<Koi.Core.Naming.NameDecision>? Names = null);

/// <summary><c>POST /v1/certmesh/mesh/heartbeat</c>: what the member reports on every CA check.</summary>
internal sealed record HeartbeatRequest(string? ReloadHook, string? RenewalState, DateTimeOffset? CertExpires);

/// <summary>What the CA answers a heartbeat: its clock (for skew) and the policy the member renews by.</summary>
internal sealed record HeartbeatResponse(string Hostname, DateTimeOffset CaTime, MeshPolicyView Policy);

/// <summary>The lifetime and renew point of certificates in this mesh, in seconds (minutes are a test setting).</summary>
internal sealed record MeshPolicyView(long LifetimeSecs, long RenewAfterSecs);

/// <summary><c>POST /v1/certmesh/mesh/prove-address</c>: the address the member binds the request to (for the log; the CA goes by the source).</summary>
internal sealed record AddressProofRequest(string? Address);

/// <summary>The answer to a proof: the address the request came from, now proven for this member.</summary>
internal sealed record AddressProofView(string Address);
