namespace Koi.Core.Health;

/// <summary>
/// What certmesh knows about each machine's certificate (cert expiry from the roster, chain validity
/// from the heartbeat). Certmesh implements it; health shows it next to the machine without knowing certmesh exists.
/// <see cref="EmptyCertificateFacts"/> stands in while there is no certmesh.
/// </summary>
public interface ICertificateFacts
{
    /// <summary>The certificate of <paramref name="hostname"/> (a host label such as <c>stone-05</c>), or null when unknown.</summary>
    MachineCertificate? Find(string hostname);
}
