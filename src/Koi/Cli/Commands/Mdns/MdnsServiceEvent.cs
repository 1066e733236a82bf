using Koi.Mdns.Api;

namespace Koi.Cli.Commands.Mdns;

/// <summary>One line of <c>koi mdns discover</c>: what happened to which service, whether the daemon or a local engine saw it.</summary>
internal sealed record MdnsServiceEvent(string Event, ServiceView Service);
