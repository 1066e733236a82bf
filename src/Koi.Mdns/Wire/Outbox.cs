namespace Koi.Mdns.Wire;

/// <summary>
/// Messages decided under the engine's lock and sent after it is released, so no socket call or delivery to another
/// engine (in tests) ever happens while the lock is held.
/// </summary>
internal sealed class Outbox
{
    private List<OutgoingMessage> _messages = [];

    public int Count => _messages.Count;

    public void Add(OutgoingMessage message)
    {
        if (!message.IsEmpty)
        {
            _messages.Add(message);
        }
    }

    public List<OutgoingMessage> Drain()
    {
        var taken = _messages;
        _messages = [];
        return taken;
    }
}
