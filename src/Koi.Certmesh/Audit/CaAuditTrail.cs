using Koi.Certmesh.Authority;
using Koi.Core.Status;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Audit;

/// <summary>
/// The CA's audit log while a CA exists. A write that fails is loud — logged and shown as failed in
/// <c>koi status</c> — and never undoes the operation it records.
/// </summary>
internal sealed partial class CaAuditTrail(CertmeshFiles files, TimeProvider time, ComponentHealth health, ILogger logger) : IDisposable
{
    private AuditLog? _log;

    public void Open()
    {
        _log?.Dispose();
        _log = AuditLog.Open(files.AuditLog, files.AuditKey, time);
    }

    public void Close()
    {
        _log?.Dispose();
        _log = null;
    }

    /// <summary>Every audited event, after it is written (or failed to be): what the metrics count enrollments and refusals from.</summary>
    public event Action<string, (string Key, string? Value)[]>? Audited;

    public void Write(string eventName, params (string Key, string? Value)[] fields)
    {
        try
        {
            _log?.Append(eventName, fields);
            Audited?.Invoke(eventName, fields);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogAuditFailed(logger, eventName, ex);
            health.Failed($"audit log not writable: {ex.Message}");
        }
    }

    public IReadOnlyList<AuditLine> Read(DateTimeOffset? since = null) => _log?.Read(since) ?? [];

    public AuditVerification? Verify() => _log?.Verify();

    public void Dispose() => Close();

    [LoggerMessage(EventId = 3004, Level = LogLevel.Error, Message = "certmesh audit event {Event} could not be written")]
    private static partial void LogAuditFailed(ILogger logger, string @event, Exception exception);
}
