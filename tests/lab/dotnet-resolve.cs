// Resolves names the way .NET programs do, with two client stacks that share no code with koi:
//   system     System.Net.Dns.GetHostAddressesAsync (the runtime's resolver: getaddrinfo and /etc/resolv.conf)
//   dnsclient  DnsClient.NET's LookupClient (its own DNS codec over UDP/TCP, servers from /etc/resolv.conf)
// Prints one line per client and name: "CLIENT NAME ADDR[,ADDR...]" (IPv4, sorted) or "CLIENT NAME error TEXT".
// Exits 0 when every lookup found at least one address, 1 otherwise.
//
// usage: dotnet-resolve NAME...   (built by the DNS scenario fixture with `dotnet build`, run inside a lab host)
#:package DnsClient@1.8.0

using System.Net;
using System.Net.Sockets;
using DnsClient;

var failed = false;
var lookup = new LookupClient(new LookupClientOptions { UseCache = false, Timeout = TimeSpan.FromSeconds(2), Retries = 1 });
foreach (var name in args)
{
    try
    {
        var addresses = await Dns.GetHostAddressesAsync(name, AddressFamily.InterNetwork);
        failed |= Print("system", name, addresses.Select(a => a.ToString()));
    }
    catch (SocketException ex)
    {
        failed = true;
        Console.WriteLine($"system {name} error {ex.SocketErrorCode}");
    }

    try
    {
        var response = await lookup.QueryAsync(name, QueryType.A);
        failed |= response.HasError
            ? Fail("dnsclient", name, response.ErrorMessage)
            : Print("dnsclient", name, response.Answers.ARecords().Select(a => a.Address.ToString()));
    }
    catch (DnsResponseException ex)
    {
        failed |= Fail("dnsclient", name, ex.Code.ToString());
    }
}

return failed ? 1 : 0;

static bool Print(string client, string name, IEnumerable<string> addresses)
{
    var sorted = addresses.Order(StringComparer.Ordinal).ToList();
    Console.WriteLine(sorted.Count == 0 ? $"{client} {name} error no-address" : $"{client} {name} {string.Join(',', sorted)}");
    return sorted.Count == 0;
}

static bool Fail(string client, string name, string error)
{
    Console.WriteLine($"{client} {name} error {error.Replace(' ', '-')}");
    return true;
}
