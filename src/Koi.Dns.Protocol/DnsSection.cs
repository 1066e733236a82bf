namespace Koi.Dns.Protocol;

/// <summary>The record sections of a message, in the order they appear on the wire.</summary>
public enum DnsSection
{
    Answer = 1,
    Authority = 2,
    Additional = 3,
}
