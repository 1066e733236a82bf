namespace Koi.Mdns;

/// <summary>A service this engine announces, as it stands now (its name changes if another host took it).</summary>
/// <param name="Id">Handle for <see cref="MdnsEngine.UnregisterAsync"/>.</param>
/// <param name="Name">The instance label in use, e.g. <c>My App (2)</c> after a conflict.</param>
/// <param name="State">
/// <c>probing</c>, <c>announcing</c> or <c>announced</c> (announcements went out on at least one link), or
/// <c>waiting</c>: no link is open, nothing was sent; kept, and probed and announced as soon as a link appears.
/// </param>
public sealed record MdnsRegistration(
    string Id,
    string Name,
    string Type,
    string FullName,
    string Host,
    int Port,
    IReadOnlyDictionary<string, string> Txt,
    string State)
{
    /// <summary>The <see cref="State"/> of a registration that nothing was sent for yet, for want of a link.</summary>
    public const string Waiting = "waiting";
}
