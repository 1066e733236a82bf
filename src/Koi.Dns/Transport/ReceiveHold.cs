using System.Globalization;
using System.Runtime.InteropServices;

namespace Koi.Dns.Transport;

/// <summary>
/// Interrupt moderation in software for the UDP loop that waits on the socket. At a steady stream of queries each
/// datagram (or each pair) wakes the loop: a sleep and a wake-up, a trip through the scheduler, per one or two answers,
/// a large part of what an answer costs. Once the loop has been woken again and again at short intervals, it
/// holds back its next receive for <see cref="Window"/>, so that one wake-up brings every datagram that came in
/// meanwhile. Adaptive and bounded: a query that comes alone (its loop not woken within the window many times in a row)
/// is never held; a hold lasts one window at most; a hold that found fewer than two datagrams (nothing saved) ends the
/// holding until the stream is dense again; after a batch that shows a backlog the next is received at once. The price is latency while
/// queries come in fast: up to one window per query (docs/dns.md, "Receive hold").
/// </summary>
internal sealed partial class ReceiveHold
{
    /// <summary>The window unless the daemon is told otherwise (docs/dns.md).</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromMicroseconds(200);

    /// <summary>Overrides the window, in microseconds; 0 turns holding off.</summary>
    public const string WindowVariable = "KOI_DNS_UDP_HOLD_US";

    /// <summary>Wake-ups in a row, each within a window of the last, before the loop starts holding.</summary>
    private const int DenseWakes = 8;

    /// <summary>The longest window the variable may set: beyond it the added latency outweighs any saving.</summary>
    private static readonly TimeSpan MaxWindow = TimeSpan.FromMilliseconds(1);

    private const int PrSetTimerSlack = 29;
    private const int ClockMonotonic = 1;

    private readonly TimeProvider _time;
    private readonly long _windowTicks;
    private readonly Timespec _window;
    private long _lastWake;
    private int _denseWakes;

    public ReceiveHold(TimeSpan window, TimeProvider time)
    {
        Window = window;
        _time = time;
        _windowTicks = (long)(window.TotalSeconds * time.TimestampFrequency);
        _window = new Timespec { Seconds = 0, Nanoseconds = (nint)(window.Ticks * 100) };
    }

    public TimeSpan Window { get; }

    /// <summary>True after <see cref="Hold"/>: the next receive must not wait, and its count goes to <see cref="AfterHold"/>.</summary>
    public bool Held { get; private set; }

    /// <summary>The window from <see cref="WindowVariable"/> when set to a whole number of microseconds, else the default.</summary>
    public static TimeSpan FromEnvironment(Func<string, string?> environment) =>
        environment(WindowVariable) is { Length: > 0 } text
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var micros)
            ? TimeSpan.FromMicroseconds(Math.Min(micros, MaxWindow.TotalMicroseconds))
            : DefaultWindow;

    /// <summary>
    /// For the calling thread: timers may fire up to 50 µs late by default (the kernel's timer slack, to batch timer
    /// interrupts); a hold that long would add that much latency again. Called once on the loop's own thread.
    /// </summary>
    public static void TightenTimerSlack() => _ = Prctl(PrSetTimerSlack, 1000, 0, 0, 0);

    /// <summary>The loop was woken by the socket (a blocking receive that took datagrams).</summary>
    public void Woke()
    {
        var now = _time.GetTimestamp();
        _denseWakes = now - _lastWake < _windowTicks ? _denseWakes + 1 : 0;
        _lastWake = now;
    }

    /// <summary>A receive took <paramref name="count"/> datagrams: after a hold, or woken by the socket.</summary>
    public void Received(int count)
    {
        if (Held)
        {
            AfterHold(count);
        }
        else
        {
            Woke();
        }
    }

    /// <summary>The receive after a hold took <paramref name="count"/> datagrams (0: none was waiting).</summary>
    public void AfterHold(int count)
    {
        Held = false;
        _lastWake = _time.GetTimestamp();
        if (count < 2)
        {
            // Waking for the socket would have cost the same: hold again only once the stream is dense again.
            _denseWakes = 0;
        }
    }

    /// <summary>
    /// After a batch of <paramref name="count"/> is answered: sleeps one window when the stream is dense, so the next
    /// receive takes what came in meanwhile. Not after a batch of <paramref name="backlog"/> or more: more are waiting
    /// already (other loops have been woken to share them), and a client that waits for its answers before it sends
    /// more would only be slowed down.
    /// </summary>
    public void HoldIfDense(int count, int backlog)
    {
        if (_denseWakes < DenseWakes || count >= backlog || _windowTicks <= 0)
        {
            return;
        }

        var window = _window;
        _ = ClockNanosleep(ClockMonotonic, 0, ref window, IntPtr.Zero);
        Held = true;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public nint Seconds;
        public nint Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "prctl")]
    private static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport("libc", EntryPoint = "clock_nanosleep")]
    private static partial int ClockNanosleep(int clock, int flags, ref Timespec request, IntPtr remain);
}
