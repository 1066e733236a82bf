namespace Koi.Core.Health;

/// <summary>The certificate facts of a daemon without certmesh: none.</summary>
public sealed class EmptyCertificateFacts : ICertificateFacts
{
    public MachineCertificate? Find(string hostname) => null;
}
