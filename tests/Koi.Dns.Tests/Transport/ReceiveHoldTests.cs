using Koi.Dns.Transport;
using Koi.Testing;

namespace Koi.Dns.Tests.Transport;

public sealed class ReceiveHoldTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMicroseconds(200);

    [Fact]
    public void HoldIfDense_WakesFartherApartThanTheWindow_NeverHolds()
    {
        var clock = new ManualTimeProvider();
        var hold = new ReceiveHold(Window, clock);

        for (var i = 0; i < 50; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(1));
            hold.Woke();
            hold.HoldIfDense(count: 1, backlog: 8);
            Assert.False(hold.Held);
        }
    }

    [Fact]
    public void HoldIfDense_EightWakesInARowWithinTheWindow_HoldsAfterTheEighth()
    {
        var clock = new ManualTimeProvider();
        var hold = new ReceiveHold(Window, clock);
        hold.Woke();
        var held = new List<bool>();

        for (var i = 0; i < 9; i++)
        {
            clock.Advance(TimeSpan.FromMicroseconds(50));
            hold.Woke();
            hold.HoldIfDense(count: 2, backlog: 8);
            held.Add(hold.Held);
        }

        Assert.Equal([false, false, false, false, false, false, false, true, true], held);
    }

    [Fact]
    public void HoldIfDense_BatchShowsABacklog_ReceivesAtOnce()
    {
        var hold = Dense(out _);

        hold.HoldIfDense(count: 8, backlog: 8);

        Assert.False(hold.Held);
    }

    [Fact]
    public void AfterHold_HoldBroughtTwoOrMore_KeepsHolding()
    {
        var hold = Dense(out var clock);
        hold.HoldIfDense(count: 2, backlog: 8);
        clock.Advance(Window);

        hold.AfterHold(3);
        hold.HoldIfDense(count: 3, backlog: 8);

        Assert.True(hold.Held);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void AfterHold_HoldBroughtLessThanTwo_StopsHoldingUntilDenseAgain(int received)
    {
        var hold = Dense(out var clock);
        hold.HoldIfDense(count: 2, backlog: 8);
        clock.Advance(Window);

        hold.AfterHold(received);
        hold.HoldIfDense(count: received, backlog: 8);
        var heldAtOnce = hold.Held;
        for (var i = 0; i < 8; i++)
        {
            clock.Advance(TimeSpan.FromMicroseconds(50));
            hold.Woke();
        }

        hold.HoldIfDense(count: 1, backlog: 8);

        Assert.False(heldAtOnce);
        Assert.True(hold.Held);
    }

    [Fact]
    public void HoldIfDense_ZeroWindow_NeverHolds()
    {
        var clock = new ManualTimeProvider();
        var hold = new ReceiveHold(TimeSpan.Zero, clock);

        for (var i = 0; i < 20; i++)
        {
            hold.Woke();
            hold.HoldIfDense(count: 1, backlog: 8);
        }

        Assert.False(hold.Held);
    }

    [Theory]
    [InlineData(null, 200)]
    [InlineData("", 200)]
    [InlineData("0", 0)]
    [InlineData("50", 50)]
    [InlineData("5000", 1000)]
    [InlineData("-5", 200)]
    [InlineData("fast", 200)]
    public void FromEnvironment_Variable_WindowInMicroseconds(string? value, int expected)
    {
        var window = ReceiveHold.FromEnvironment(name => name == ReceiveHold.WindowVariable ? value : null);

        Assert.Equal(TimeSpan.FromMicroseconds(expected), window);
    }

    private static ReceiveHold Dense(out ManualTimeProvider clock)
    {
        clock = new ManualTimeProvider();
        var hold = new ReceiveHold(Window, clock);
        for (var i = 0; i < 10; i++)
        {
            clock.Advance(TimeSpan.FromMicroseconds(50));
            hold.Woke();
        }

        return hold;
    }
}
