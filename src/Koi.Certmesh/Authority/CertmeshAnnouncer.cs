using Koi.Core.Naming;
using Koi.Core.Status;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Authority;

/// <summary>
/// Announces <c>_certmesh._tcp</c> while the CA can enroll (created or unlocked) and withdraws it on lock, destroy
/// and shutdown. Without mDNS the advertiser is a no-op and the component says so.
/// </summary>
internal sealed partial class CertmeshAnnouncer(IServiceAdvertiser advertiser, int port, ComponentHealth health, ILogger logger) : IAsyncDisposable
{
    public const string ServiceType = "_certmesh._tcp";

    /// <summary>The instance name a CA announces under; another CA tells its own announcement from a rival's by it.</summary>
    public static string InstanceName(string hostname) => $"{hostname} Certmesh CA";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private IAsyncDisposable? _current;

    // The last failure logged: the same one again (every unlock retries) is shown by status, not logged anew.
    private string? _lastFailure;

    public async Task AnnounceAsync(string hostname, string fingerprint, string profile, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_current is not null)
            {
                await _current.DisposeAsync();
                _current = null;
            }

            var txt = new Dictionary<string, string>
            {
                ["role"] = "primary",
                ["fingerprint"] = fingerprint,
                ["profile"] = profile,
                ["port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            try
            {
                _current = await advertiser.AdvertiseAsync(new AdvertisedService(InstanceName(hostname), ServiceType, port, txt), cancellationToken);
                health.Running(advertiser is NoServiceAdvertiser ? "not announced: mDNS is off" : $"announcing {ServiceType} on port {port}");
                _lastFailure = null;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                var reason = $"announcing {ServiceType} failed: {ex.Message}";
                if (reason != _lastFailure)
                {
                    _lastFailure = reason;
                    LogAnnounceFailed(logger, ServiceType, port, ex);
                }

                health.Failed(reason);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task WithdrawAsync(string reason)
    {
        await _gate.WaitAsync();
        try
        {
            if (_current is not null)
            {
                await _current.DisposeAsync();
                _current = null;
            }

            health.Running($"not announced: {reason}");
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await WithdrawAsync("daemon stopping");
        health.Stopped("daemon stopped");
    }

    [LoggerMessage(EventId = 3021, Level = LogLevel.Warning, Message = "certmesh could not announce {ServiceType} on port {Port}; joiners must be given the CA endpoint by hand")]
    private static partial void LogAnnounceFailed(ILogger logger, string serviceType, int port, Exception exception);
}
