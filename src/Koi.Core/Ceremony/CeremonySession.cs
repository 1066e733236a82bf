namespace Koi.Core.Ceremony;

internal sealed class CeremonySession(string id, string ceremony, DateTimeOffset now)
{
    public string Id { get; } = id;

    public string Ceremony { get; } = ceremony;

    public CeremonyBag Bag { get; } = new();

    /// <summary>Serialises requests of one session; different sessions proceed concurrently.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public DateTimeOffset LastTouched { get; private set; } = now;

    public void Touch(DateTimeOffset at) => LastTouched = at;
}
