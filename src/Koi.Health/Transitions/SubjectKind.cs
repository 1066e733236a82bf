namespace Koi.Health.Transitions;

/// <summary>What changed state: a machine (from mDNS presence) or a registered service check.</summary>
public enum SubjectKind
{
    Machine,
    Service,
}
