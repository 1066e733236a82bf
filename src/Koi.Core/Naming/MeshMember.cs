using System.Net;

namespace Koi.Core.Naming;

/// <summary>
/// A machine enrolled in the certmesh, as the DNS capability needs it to name the machine.
/// </summary>
/// <param name="Hostname">The member's host label, e.g. <c>stone-05</c>.</param>
/// <param name="Sans">The DNS names on its current certificate, e.g. <c>stone-05.lan</c>, <c>grafana.lan</c>.</param>
/// <param name="Addresses">Where the member is reachable; the first of each family is the one DNS answers with.</param>
/// <param name="IsActive">False once revoked or expired; inactive members are not named.</param>
public sealed record MeshMember(
    string Hostname,
    IReadOnlyList<string> Sans,
    IReadOnlyList<IPAddress> Addresses,
    bool IsActive = true);
