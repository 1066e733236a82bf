global using System.Net;
global using Koi.Dns.Protocol;
global using Koi.Dns.Protocol.Records;
global using Koi.Testing;
