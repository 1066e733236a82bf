namespace Koi.Certmesh.MeshPlane;

/// <summary>A machine that proved at the TLS handshake that it holds a current certificate of an active member.</summary>
internal sealed record MeshPeer(string Hostname, string CertFingerprint, string Serial, DateTimeOffset CertExpires);
