using System.Net;

namespace Koi.Dns.Forwarding;

/// <param name="Length">Bytes of response written for the client (the upstream's answer, or SERVFAIL).</param>
/// <param name="Upstream">Who answered; null when none did and the response is SERVFAIL.</param>
internal readonly record struct ForwardResult(int Length, IPEndPoint? Upstream);
