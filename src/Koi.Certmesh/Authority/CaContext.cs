using Koi.Certmesh.Audit;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;
using Koi.Core.Events;
using Koi.Core.Status;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Authority;

/// <summary>
/// What every part of the CA shares and none of them owns: the one gate that serialises changes, the files, the
/// roster, the audit trail, the clock and where events go. It holds no state of its own beyond these references.
/// </summary>
internal sealed class CaContext(
    CertmeshFiles files,
    CertmeshOptions options,
    RosterStore roster,
    CaAuditTrail audit,
    ComponentHealth health,
    TimeProvider time,
    ILogger logger,
    IEventBus? events)
{
    public const string Capability = "certmesh";

    public SemaphoreSlim Gate { get; } = new(1, 1);

    public CertmeshFiles Files => files;

    public CertmeshOptions Options => options;

    public RosterStore Roster => roster;

    public CaAuditTrail Audit => audit;

    /// <summary><c>certmesh/authority</c> in <c>koi status</c>.</summary>
    public ComponentHealth Health => health;

    public TimeProvider Time => time;

    public ILogger Logger => logger;

    public string Hostname => options.ResolveHostname();

    public DateTimeOffset Now => time.GetUtcNow();

    public void Publish(string name, object? payload) => events?.Publish(Capability, name, payload);

    public RosterDocument RequireInitialized() => roster.Current ?? throw NotInitialized();

    public static KoiException NotInitialized() =>
        new(KoiErrorCode.CaNotInitialized, "no certmesh CA on this machine yet; run koi certmesh create");

    /// <summary>Runs <paramref name="action"/> alone: no other change to the CA's state runs at the same time.</summary>
    public async Task<T> SerializedAsync<T>(Func<Task<T>> action, CancellationToken cancellationToken)
    {
        await Gate.WaitAsync(cancellationToken);
        try
        {
            return await action();
        }
        finally
        {
            Gate.Release();
        }
    }

    public Task<T> Serialized<T>(Func<T> action, CancellationToken cancellationToken) =>
        SerializedAsync(() => Task.FromResult(action()), cancellationToken);
}
