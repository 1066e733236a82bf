namespace Koi.Dns.Settings;

/// <summary>A name added with <c>koi dns add</c>: a fully qualified name (no trailing dot) and one private address.</summary>
internal sealed record StaticEntry(string Name, string Address);
