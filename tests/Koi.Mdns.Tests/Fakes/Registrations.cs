namespace Koi.Mdns.Tests.Fakes;

internal static class Registrations
{
    public static ServiceRegistration Http(string name = "My App", int port = 8080, Dictionary<string, string>? txt = null) => new()
    {
        Name = name,
        Type = "_http._tcp",
        Port = port,
        Txt = txt ?? new Dictionary<string, string> { ["path"] = "/" },
    };
}
