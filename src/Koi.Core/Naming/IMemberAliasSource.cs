namespace Koi.Core.Naming;

/// <summary>
/// The SAN feedback loop: the names DNS generated that point at a certmesh member, so certmesh can add
/// them to that member's next certificate. DNS implements it; certmesh reads it at renewal.
/// </summary>
public interface IMemberAliasSource
{
    /// <summary>
    /// Fully qualified names (e.g. <c>grafana.lan</c>, <c>grafana-stone-05.lan</c>) that resolve to one of the member's
    /// addresses and are not yet among its SANs; empty when there are none or the member is unknown.
    /// </summary>
    IReadOnlyList<string> AliasesFor(string memberHostname);

    /// <summary>Raised after the set of aliases changed. Handlers must be quick and must not throw.</summary>
    event EventHandler? Changed;
}
