using Koi.Core.Errors;

namespace Koi.Certmesh.Membership;

/// <summary>
/// The CA's mesh plane presented a certificate of the pinned CA for the CA's host, but not the one its hello showed:
/// most likely the CA renewed its own certificate in between (<see cref="CaClient.IsRenewedSinceHello"/>). Nothing
/// was sent. Left uncaught it is the same refusal as any other failed identity check.
/// </summary>
internal sealed class CaRenewedSinceHelloException(string message) : KoiException(KoiErrorCode.CaFingerprintMismatch, message);
