using System.Security.Cryptography;
using System.Text;
using Koi.Core.Storage;

namespace Koi.Certmesh.Audit;

/// <summary>
/// <c>certmesh/audit.log</c>, append-only and tamper-evident: every line carries the SHA-256 of the line before it
/// and an ECDSA signature by the audit key. A dedicated key (not the CA key) signs, because denials such as
/// <c>unlock_failed</c> must be recorded while the CA is locked.
/// </summary>
internal sealed class AuditLog : IDisposable
{
    private readonly Lock _gate = new();
    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly ECDsa _key;
    private string _lastHash = AuditLine.GenesisHash;
    private long _lastSeq;

    private AuditLog(string path, ECDsa key, TimeProvider time)
    {
        _path = path;
        _key = key;
        _time = time;
        ReadTail();
    }

    public string Path => _path;

    /// <summary>Opens the log, creating the audit key (0600) beside it the first time.</summary>
    public static AuditLog Open(string logPath, string keyPath, TimeProvider time)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        if (File.Exists(keyPath))
        {
            key.ImportFromPem(File.ReadAllText(keyPath));
        }
        else
        {
            AtomicFile.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem(), AtomicFile.SecretMode);
        }

        return new AuditLog(logPath, key, time);
    }

    public string Append(string eventName, params (string Key, string? Value)[] fields) => Append([(eventName, fields)])[0];

    /// <summary>
    /// Chains and signs every entry, then writes them in one append and one fsync: all are on disk when this returns,
    /// or none (a torn write is taken back) and the chain stays as it was.
    /// </summary>
    public List<string> Append(IReadOnlyList<(string EventName, (string Key, string? Value)[] Fields)> entries)
    {
        lock (_gate)
        {
            var lines = new List<string>(entries.Count);
            var text = new StringBuilder();
            var (seq, hash) = (_lastSeq, _lastHash);
            foreach (var (eventName, fields) in entries)
            {
                var pairs = new List<KeyValuePair<string, string>>();
                foreach (var (key, value) in fields)
                {
                    if (value is not null)
                    {
                        pairs.Add(new(key, value));
                    }
                }

                var body = AuditLine.Body(_time.GetUtcNow(), eventName, pairs, seq + 1, hash);
                var signature = Convert.ToBase64String(_key.SignData(Encoding.UTF8.GetBytes(body), HashAlgorithmName.SHA256))
                    .TrimEnd('=').Replace('+', '-').Replace('/', '_');
                var line = $"{body} sig={signature}";
                lines.Add(line);
                text.Append(line).Append('\n');
                (seq, hash) = (seq + 1, Hash(line));
            }

            var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read, BufferSize = 0 };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = AtomicFile.SecretMode;
            }

            // A full or read-only disk fails the audited operation with the reason, and the chain stays as it was.
            StorageWrites.Run(_path, () =>
            {
                using var stream = new FileStream(_path, options);
                var before = stream.Length;
                try
                {
                    stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
                    stream.Flush(flushToDisk: true);
                }
                catch (IOException)
                {
                    // Take a torn line back so the next entry does not glue onto it and break the chain.
                    stream.SetLength(before);
                    throw;
                }
            });

            (_lastSeq, _lastHash) = (seq, hash);
            return lines;
        }
    }

    public IReadOnlyList<AuditLine> Read(DateTimeOffset? since = null)
    {
        var list = new List<AuditLine>();
        foreach (var text in ReadLines())
        {
            if (AuditLine.TryParse(text) is { } line && (since is null || line.At >= since))
            {
                list.Add(line);
            }
        }

        return list;
    }

    /// <summary>The sequence number and hash of the last line written (0 and the genesis hash for an empty log).</summary>
    public (long Seq, string Hash) Head
    {
        get
        {
            lock (_gate)
            {
                return (_lastSeq, _lastHash);
            }
        }
    }

    /// <summary>The chain, then the CA-signed <paramref name="head"/> when there is one: lines removed at the end show.</summary>
    public AuditVerification Verify(AuditHead? head = null, System.Security.Cryptography.X509Certificates.X509Certificate2? caCert = null)
    {
        var lines = ReadLines();
        var chain = AuditVerifier.Verify(lines, _key);
        if (!chain.Valid || head is null || caCert is null)
        {
            return chain;
        }

        return head.Problem(lines, caCert) is { } problem
            ? AuditVerification.Broken((int)Math.Min(head.Seq, lines.Count + 1L), lines.Count, problem)
            : chain with { SignedThrough = head.Seq, HeadSignedAt = head.SignedAt };
    }

    public void Dispose() => _key.Dispose();

    internal static string Hash(string line) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(line)));

    private List<string> ReadLines()
    {
        lock (_gate)
        {
            if (!File.Exists(_path))
            {
                return [];
            }

            var lines = new List<string>(File.ReadAllLines(_path));
            lines.RemoveAll(string.IsNullOrEmpty);
            return lines;
        }
    }

    private void ReadTail()
    {
        var lines = ReadLines();
        if (lines.Count == 0)
        {
            return;
        }

        var last = lines[^1];
        _lastHash = Hash(last);
        _lastSeq = AuditLine.TryParse(last)?.Seq ?? lines.Count;
    }
}
