global using Koi.Mdns.Tests.Fakes;
global using Koi.Testing;
