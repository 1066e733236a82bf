using System.Text.Json.Serialization;
using Koi.Certmesh.Api;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Backup;
using Koi.Certmesh.Crypto;
using Koi.Certmesh.Enrollment;
using Koi.Certmesh.Issuing;
using Koi.Certmesh.Membership;
using Koi.Certmesh.MeshPlane;
using Koi.Certmesh.Revocation;
using Koi.Certmesh.Roster;
using Koi.Certmesh.Trust;

namespace Koi.Certmesh;

/// <summary>
/// Every JSON shape of certmesh: its API and events (shared with the CLI), the CA-to-member enrollment wire, and its
/// state files (roster, journal, limits, sealed secrets, membership).
/// </summary>
[JsonSourceGenerationOptions(
    GenerationMode = JsonSourceGenerationMode.Metadata,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
// State files
[JsonSerializable(typeof(RosterDocument))]
[JsonSerializable(typeof(RosterStore.JournalLine))]
[JsonSerializable(typeof(SupersededCertificate))]
[JsonSerializable(typeof(EnrollmentLimits.LimitsDocument))]
[JsonSerializable(typeof(SealedSecret))]
[JsonSerializable(typeof(MembershipDocument))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(SignedTrustBundle))]
[JsonSerializable(typeof(TrustBundle))]
[JsonSerializable(typeof(BackupFile))]
[JsonSerializable(typeof(BackupContents))]
// API: CA management
[JsonSerializable(typeof(CertmeshStatus))]
[JsonSerializable(typeof(CreateRequest))]
[JsonSerializable(typeof(CreateResult))]
[JsonSerializable(typeof(UnlockRequest))]
[JsonSerializable(typeof(UnlockResult))]
[JsonSerializable(typeof(LogView))]
[JsonSerializable(typeof(ComplianceView))]
[JsonSerializable(typeof(OpenEnrollmentRequest))]
[JsonSerializable(typeof(EnrollmentView))]
[JsonSerializable(typeof(RotateTotpRequest))]
[JsonSerializable(typeof(TotpResult))]
[JsonSerializable(typeof(SetPolicyRequest))]
[JsonSerializable(typeof(CertPolicy))]
[JsonSerializable(typeof(DestroyRequest))]
[JsonSerializable(typeof(DestroyedView))]
[JsonSerializable(typeof(TrustResult))]
[JsonSerializable(typeof(IReadOnlyList<TrustResult>))]
[JsonSerializable(typeof(List<TrustResult>))]
[JsonSerializable(typeof(TrustResult[]))]
// API: enrollment on the CA
[JsonSerializable(typeof(HelloChallenge))]
[JsonSerializable(typeof(HelloProof))]
[JsonSerializable(typeof(JoinRequest))]
[JsonSerializable(typeof(JoinIssued))]
[JsonSerializable(typeof(JoinPending))]
[JsonSerializable(typeof(PendingList))]
[JsonSerializable(typeof(ApproveRequest))]
[JsonSerializable(typeof(ApprovalView))]
[JsonSerializable(typeof(DenyRequest))]
[JsonSerializable(typeof(DenialView))]
[JsonSerializable(typeof(RevokeRequest))]
[JsonSerializable(typeof(RevocationEntry))]
[JsonSerializable(typeof(RevokeResult))]
// API: backup, revocation, renewal
[JsonSerializable(typeof(BackupRequest))]
[JsonSerializable(typeof(BackupAnswer))]
[JsonSerializable(typeof(RestoreRequest))]
[JsonSerializable(typeof(RestoreResult))]
[JsonSerializable(typeof(RevocationEndpoints.NudgeAnswer))]
[JsonSerializable(typeof(RenewNowRequest))]
[JsonSerializable(typeof(RenewalView))]
[JsonSerializable(typeof(MemberEndpoints.SetHookRequest))]
[JsonSerializable(typeof(HookView))]
// The CA's mTLS mesh plane
[JsonSerializable(typeof(RenewRequest))]
[JsonSerializable(typeof(RenewResponse))]
[JsonSerializable(typeof(AddressProofRequest))]
[JsonSerializable(typeof(AddressProofView))]
[JsonSerializable(typeof(Koi.Core.Naming.NameDecision))]
[JsonSerializable(typeof(HeartbeatRequest))]
[JsonSerializable(typeof(HeartbeatResponse))]
// API: the joining member, and its client of the CA
[JsonSerializable(typeof(MemberEndpoints.IdentifyRequest))]
[JsonSerializable(typeof(MemberEndpoints.DiscoveryView))]
[JsonSerializable(typeof(CaIdentity))]
[JsonSerializable(typeof(MemberJoinRequest))]
[JsonSerializable(typeof(MemberJoinResult))]
[JsonSerializable(typeof(MemberEndpoints.JoinCancelledView))]
[JsonSerializable(typeof(HelloRequest))]
[JsonSerializable(typeof(HelloResponse))]
[JsonSerializable(typeof(CaJoinRequest))]
[JsonSerializable(typeof(CaJoinResponse))]
// Events
[JsonSerializable(typeof(CaCreatedEvent))]
[JsonSerializable(typeof(CaEvent))]
[JsonSerializable(typeof(JoinRequestEvent))]
[JsonSerializable(typeof(MemberJoinedEvent))]
[JsonSerializable(typeof(MemberRevokedEvent))]
[JsonSerializable(typeof(EnrollmentOpenedEvent))]
[JsonSerializable(typeof(EnrollmentClosedEvent))]
[JsonSerializable(typeof(EnrollmentThrottledEvent))]
[JsonSerializable(typeof(Revocation.AuditHeadSeen))]
[JsonSerializable(typeof(JoinedMeshEvent))]
[JsonSerializable(typeof(CaPinMismatchEvent))]
[JsonSerializable(typeof(CaCheckFailedEvent))]
[JsonSerializable(typeof(CaMovedEvent))]
[JsonSerializable(typeof(CaRestoredEvent))]
[JsonSerializable(typeof(CertRenewedEvent))]
[JsonSerializable(typeof(MemberRenewedEvent))]
[JsonSerializable(typeof(RenewalFailedEvent))]
[JsonSerializable(typeof(CertificateWarningEvent))]
[JsonSerializable(typeof(TrustBundlePublishedEvent))]
[JsonSerializable(typeof(BundleFollower.RevokedEvent))]
[JsonSerializable(typeof(BundleFollower.AuditHeadRollbackEvent))]
// Standby CA and failover: state files, mesh-plane wire, local API, events
[JsonSerializable(typeof(Standby.HaState))]
[JsonSerializable(typeof(Standby.PrimaryLink))]
[JsonSerializable(typeof(Standby.PromoteRequest))]
[JsonSerializable(typeof(Standby.PromoteResponse))]
[JsonSerializable(typeof(Standby.SealedTransfer))]
[JsonSerializable(typeof(Standby.StandbySyncResponse))]
[JsonSerializable(typeof(Standby.SignedManifest))]
[JsonSerializable(typeof(Standby.SyncManifest))]
[JsonSerializable(typeof(Standby.RoleClaim))]
[JsonSerializable(typeof(Standby.EmptyBody))]
[JsonSerializable(typeof(Standby.HaView))]
[JsonSerializable(typeof(Standby.PromoteApiRequest))]
[JsonSerializable(typeof(Standby.StandbyUnlockRequest))]
[JsonSerializable(typeof(Standby.PromoteResult))]
[JsonSerializable(typeof(Standby.StandbyPromotedEvent))]
[JsonSerializable(typeof(Standby.RoleChangedEvent))]
internal sealed partial class CertmeshJsonContext : JsonSerializerContext;
