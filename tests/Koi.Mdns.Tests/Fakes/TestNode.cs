using System.Net;
using Koi.Core.Status;
using Koi.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Koi.Mdns.Tests.Fakes;

/// <summary>An engine on the virtual LAN with its own address, host name and status registry.</summary>
internal sealed class TestNode : IAsyncDisposable
{
    private TestNode(MdnsEngine engine, VirtualTransport transport, StatusRegistry status)
    {
        Engine = engine;
        Transport = transport;
        Status = status;
    }

    public MdnsEngine Engine { get; }

    public VirtualTransport Transport { get; }

    public StatusRegistry Status { get; }

    public IPAddress Address => Transport.Address;

    public static async Task<TestNode> StartAsync(
        VirtualLan lan,
        ManualTimeProvider time,
        string address,
        string host,
        int seed = 1,
        MdnsOptions? options = null,
        bool up = true)
    {
        var transport = lan.Attach(address);
        transport.SetUp(up);
        var status = new StatusRegistry(time);
        var engine = new MdnsEngine(
            (options ?? new MdnsOptions()) with { HostName = host },
            transport,
            time,
            NullLogger.Instance,
            status,
            new Random(seed));
        await engine.StartAsync(TestContext.Current.CancellationToken);
        return new TestNode(engine, transport, status);
    }

    /// <summary>Registers and moves the clock until probing has ended.</summary>
    public async Task<MdnsRegistration> RegisterAsync(ManualTimeProvider time, ServiceRegistration registration)
    {
        var pending = Engine.RegisterAsync(registration, TestContext.Current.CancellationToken);
        for (var i = 0; i < 100 && !pending.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.WhenAny(pending, Task.Delay(20, TestContext.Current.CancellationToken));
        }

        return await pending.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    public ValueTask DisposeAsync() => Engine.DisposeAsync();
}
