using Koi.Certmesh.Authority;
using Koi.Core.Status;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Audit;

/// <summary>
/// The CA's audit log while a CA exists. A write that fails is loud — logged and shown as failed in
/// <c>koi status</c>; for an issued certificate it also refuses the issuance (<see cref="WriteOrRefuse"/>).
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

    /// <summary>
    /// Writes a line that must exist before what it records takes effect (a certificate issued): when it cannot be
    /// written the caller's operation is refused — nothing is issued that the log does not show.
    /// </summary>
    public void WriteOrRefuse(string eventName, params (string Key, string? Value)[] fields) => WriteOrRefuse([(eventName, fields)]);

    /// <summary>Several such lines in one durable append (a group commit): all are written, or none and the caller is refused.</summary>
    public void WriteOrRefuse(IReadOnlyList<(string EventName, (string Key, string? Value)[] Fields)> entries)
    {
        try
        {
            (_log ?? throw new IOException("the audit log is not open")).Append(entries);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogAuditFailed(logger, entries[0].EventName, ex);
            health.Failed($"audit log not writable: {ex.Message}");
            throw new Koi.Core.Errors.KoiException(Koi.Core.Errors.KoiErrorCode.Unavailable, $"the CA's audit log cannot be written ({ex.Message}); nothing was issued");
        }

        foreach (var (eventName, fields) in entries)
        {
            Audited?.Invoke(eventName, fields);
        }
    }

    public IReadOnlyList<AuditLine> Read(DateTimeOffset? since = null) => _log?.Read(since) ?? [];

    public AuditVerification? Verify(AuditHead? head = null, System.Security.Cryptography.X509Certificates.X509Certificate2? caCert = null) => _log?.Verify(head, caCert);

    /// <summary>The log's current head signed with the CA key (null when no log is open).</summary>
    public AuditHead? SignHead(System.Security.Cryptography.ECDsa caKey, DateTimeOffset at) =>
        _log is { } log ? AuditHead.Sign(log.Head.Seq, log.Head.Hash, at, caKey) : null;

    public void Dispose() => Close();
}
