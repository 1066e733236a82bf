namespace Koi.Mdns.Responding;

internal enum ProbeState
{
    /// <summary>Asking whether anyone else uses the name (RFC 6762 §8.1); nothing is answered for it yet.</summary>
    Probing,

    /// <summary>The name is ours; the unsolicited announcements (§8.3) are going out.</summary>
    Announcing,

    /// <summary>Announced; queries for it are answered.</summary>
    Announced,

    /// <summary>
    /// No link is open, so nothing can be probed or announced; the name is probed afresh as soon as one is (RFC 6762
    /// §8: probing happens whenever an interface comes up). Never "announced" without a packet having gone out.
    /// </summary>
    Waiting,
}
