namespace Koi.Dns.Forwarding;

/// <summary>Reusable <see cref="UdpClientForward"/> jobs, at most as many as may be in flight.</summary>
internal sealed class ForwardJobPool(int capacity)
{
    private readonly Lock _gate = new();
    private readonly UdpClientForward[] _items = new UdpClientForward[capacity];
    private int _count;

    public UdpClientForward Rent()
    {
        lock (_gate)
        {
            if (_count > 0)
            {
                var item = _items[--_count];
                _items[_count] = null!;
                return item;
            }
        }

        return new UdpClientForward(this);
    }

    public void Return(UdpClientForward item)
    {
        lock (_gate)
        {
            if (_count < _items.Length)
            {
                _items[_count++] = item;
            }
        }
    }
}
