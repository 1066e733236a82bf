namespace Koi.Certmesh.MeshPlane;

/// <summary><c>POST /v1/certmesh/mesh/renew</c>: a CSR for a key the member just made; the names stay the CA's choice.</summary>
internal sealed record RenewRequest(string? Csr);

/// <summary>The renewed certificate, and the CA certificate it chains to.</summary>
internal sealed record RenewResponse(string Hostname, string ServiceCert, string CaCert, string CaFingerprint, string Serial, DateTimeOffset Expires, IReadOnlyList<string> Sans);

/// <summary><c>POST /v1/certmesh/mesh/heartbeat</c>: what the member reports on every CA check.</summary>
internal sealed record HeartbeatRequest(string? ReloadHook, string? RenewalState, DateTimeOffset? CertExpires);

/// <summary>What the CA answers a heartbeat: its clock (for skew) and the policy the member renews by.</summary>
internal sealed record HeartbeatResponse(string Hostname, DateTimeOffset CaTime, MeshPolicyView Policy);

/// <summary>The lifetime and renew point of certificates in this mesh, in seconds (minutes are a test setting).</summary>
internal sealed record MeshPolicyView(long LifetimeSecs, long RenewAfterSecs);
