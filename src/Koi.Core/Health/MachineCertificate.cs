namespace Koi.Core.Health;

/// <summary>One machine's certificate as certmesh last saw it.</summary>
/// <param name="NotAfter">When the certificate expires; health turns it into days remaining with its own clock.</param>
/// <param name="ChainValid">The last heartbeat validated the chain up to the pinned mesh CA.</param>
/// <param name="Problem">Why the chain did not validate (or another warning), for people; null when all is well.</param>
public sealed record MachineCertificate(DateTimeOffset NotAfter, bool ChainValid, string? Problem = null);
