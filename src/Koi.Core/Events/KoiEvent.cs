namespace Koi.Core.Events;

/// <summary>Something that happened in one capability, as others and <c>/v1/events</c> see it.</summary>
/// <param name="Id">Monotonic per daemon run; SSE clients resume with Last-Event-ID.</param>
public sealed record KoiEvent(long Id, string Capability, string Kind, DateTimeOffset Time, object? Data);
