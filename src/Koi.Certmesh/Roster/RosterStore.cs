using System.Security.Cryptography;
using System.Text.Json;
using Koi.Core.Storage;

namespace Koi.Certmesh.Roster;

/// <summary>
/// The one writer of <c>roster.json</c>. Changes go through <see cref="Update"/>, which serialises writers, saves
/// durably and only then publishes the new document to readers; a failed save leaves memory and disk as they were.
/// </summary>
/// <remarks>
/// A change that only adds members (a join) or changes members in place (a renewal, a heartbeat that changed something),
/// and perhaps the audit head it signed, is appended to <c>roster.journal</c> — one line per member, fsync'd, a changed one marked as replacing the entry of
/// its hostname — instead of rewriting the whole roster: at 1,000 members a rewrite is ~0.9 MB serialised, written and
/// fsync'd per join or renewal, which made signing O(members). Any other change, every <see cref="MaxJournalEntries"/> members, and every
/// load fold the journal back into a fresh <c>roster.json</c> (written atomically) and delete it. Each journal line
/// names the SHA-256 of the <c>roster.json</c> it extends, so lines already folded in (a crash between the rewrite
/// and the delete) are recognised and skipped; a torn last line (a crash mid-append, never acknowledged) is dropped.
/// </remarks>
internal sealed class RosterStore(string path)
{
    public const int MaxJournalEntries = 256;

    private readonly Lock _gate = new();
    private RosterDocument? _current;
    private string? _snapshotHash;
    private int _journalEntries;

    public string Path { get; } = path;

    public string JournalPath => System.IO.Path.ChangeExtension(Path, ".journal");

    public RosterDocument? Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    public event EventHandler? Changed;

    public RosterDocument? Load()
    {
        lock (_gate)
        {
            if (!File.Exists(Path))
            {
                _current = null;
                _snapshotHash = null;
                return null;
            }

            var bytes = File.ReadAllBytes(Path);
            var document = JsonSerializer.Deserialize(bytes, CertmeshJsonContext.Default.RosterDocument)
                ?? throw new InvalidDataException($"{Path} is empty");
            if (document.SchemaVersion > RosterDocument.CurrentSchemaVersion)
            {
                throw new InvalidDataException($"{Path} has schema version {document.SchemaVersion}; this koi reads up to {RosterDocument.CurrentSchemaVersion}");
            }

            _snapshotHash = Hash(bytes);
            if (File.Exists(JournalPath))
            {
                var journal = ReadJournal(_snapshotHash);
                document = document with { Members = Apply(document.Members, journal) };
                if (journal.LastOrDefault(l => l.AuditHead is not null)?.AuditHead is { } head)
                {
                    document = document with { Metadata = document.Metadata with { AuditHead = head } };
                }

                WriteSnapshot(document);
            }

            _current = document;
            _journalEntries = 0;
        }

        Changed?.Invoke(this, EventArgs.Empty);
        return _current;
    }

    public RosterDocument Replace(RosterDocument document) => Update(_ => document);

    public RosterDocument Update(Func<RosterDocument?, RosterDocument> change)
    {
        RosterDocument next;
        lock (_gate)
        {
            next = change(_current);
            if (ReferenceEquals(next, _current))
            {
                return next;
            }

            if (JournalLines(_current, next) is { } lines && _snapshotHash is not null && _journalEntries + lines.Count <= MaxJournalEntries)
            {
                AppendJournal(lines, ReferenceEquals(_current!.Metadata, next.Metadata) ? null : next.Metadata.AuditHead);
                _journalEntries += lines.Count;
            }
            else
            {
                WriteSnapshot(next);
                _journalEntries = 0;
            }

            _current = next;
        }

        Changed?.Invoke(this, EventArgs.Empty);
        return next;
    }

    public void Delete()
    {
        lock (_gate)
        {
            File.Delete(JournalPath);
            File.Delete(Path);
            _current = null;
            _snapshotHash = null;
            _journalEntries = 0;
        }

        Changed?.Invoke(this, EventArgs.Empty);
    }

    /// <summary>
    /// The members <paramref name="next"/> changes in place (same position, same hostname) or adds at the end, when
    /// that is all it changes; null when the change needs a whole new snapshot.
    /// </summary>
    private List<(RosterMember Member, bool Replaces)>? JournalLines(RosterDocument? current, RosterDocument next)
    {
        if (current is null || next.Members.Count < current.Members.Count || next.SchemaVersion != current.SchemaVersion
            || !OnlyTheAuditHeadDiffers(current.Metadata, next.Metadata)
            || !ReferenceEquals(current.RevocationList, next.RevocationList)
            || !ReferenceEquals(current.ProxyEntries, next.ProxyEntries))
        {
            return null;
        }

        var lines = new List<(RosterMember, bool)>();
        for (var i = 0; i < current.Members.Count; i++)
        {
            if (ReferenceEquals(current.Members[i], next.Members[i]))
            {
                continue;
            }

            if (next.Members[i].Hostname != current.Members[i].Hostname || lines.Count >= MaxJournalEntries - _journalEntries)
            {
                return null;
            }

            lines.Add((next.Members[i], true));
        }

        for (var i = current.Members.Count; i < next.Members.Count; i++)
        {
            lines.Add((next.Members[i], false));
        }

        return lines.Count == 0 ? null : lines;
    }

    /// <summary>The snapshot's members with the journal applied in order: a replacing line swaps its hostname's entry.</summary>
    private static List<RosterMember> Apply(List<RosterMember> members, List<JournalLine> lines)
    {
        var result = new List<RosterMember>(members);
        foreach (var line in lines)
        {
            var at = line.Replaces == true ? result.FindIndex(m => m.Hostname == line.Member.Hostname) : -1;
            if (at >= 0)
            {
                result[at] = line.Member;
            }
            else
            {
                result.Add(line.Member);
            }
        }

        return result;
    }

    private void WriteSnapshot(RosterDocument document)
    {
        var bytes = KoiJson.ToIndentedUtf8Bytes(document, CertmeshJsonContext.Default.RosterDocument);
        AtomicFile.WriteAllBytes(Path, bytes);
        _snapshotHash = Hash(bytes);

        // Not durable on purpose: a journal that survives a crash names the old snapshot and is skipped at load.
        File.Delete(JournalPath);
    }

    /// <summary>
    /// True when the metadata is the same, or only its audit head moved — as at every join and renewal, which sign the
    /// head (docs/certmesh.md "The audit log"); the journal's last line then carries the new head.
    /// </summary>
    private static bool OnlyTheAuditHeadDiffers(RosterMetadata current, RosterMetadata next) =>
        ReferenceEquals(current, next) || current with { AuditHead = next.AuditHead } == next;

    private void AppendJournal(List<(RosterMember Member, bool Replaces)> lines, Audit.AuditHead? head)
    {
        using var buffer = new MemoryStream();
        for (var i = 0; i < lines.Count; i++)
        {
            var (member, replaces) = lines[i];
            var line = new JournalLine(_snapshotHash!, member, replaces ? true : null, i == lines.Count - 1 ? head : null);
            JsonSerializer.Serialize(buffer, line, CertmeshJsonContext.Default.JournalLine);
            buffer.WriteByte((byte)'\n');
        }

        var created = !File.Exists(JournalPath);
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = AtomicFile.PublicMode;
        }

        long before = 0;
        try
        {
            using var stream = new FileStream(JournalPath, options);
            before = stream.Length;
            try
            {
                stream.Write(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
                stream.Flush(flushToDisk: true);
            }
            catch
            {
                // Take the partial line back, so the next append does not glue onto it.
                stream.SetLength(before);
                throw;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // If even the truncate failed, the next change rewrites roster.json and deletes the journal.
            _journalEntries = MaxJournalEntries;
            var thrown = StorageWrites.Failed(JournalPath, ex);
            if (ReferenceEquals(thrown, ex))
            {
                throw;
            }

            throw thrown;
        }

        StorageWrites.Succeeded(JournalPath);

        if (created)
        {
            FlushDirectory();
        }
    }

    /// <summary>The journal lines that extend the snapshot hashed <paramref name="snapshotHash"/>, in order.</summary>
    private List<JournalLine> ReadJournal(string snapshotHash)
    {
        var text = File.ReadAllText(JournalPath);
        var lines = text.Split('\n');
        var members = new List<JournalLine>();

        // The text after the last newline is a torn append (never acknowledged): dropped.
        for (var i = 0; i < lines.Length - 1; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }

            JournalLine? line;
            try
            {
                line = JsonSerializer.Deserialize(lines[i], CertmeshJsonContext.Default.JournalLine);
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"{JournalPath} line {i + 1} is not a roster entry: {ex.Message}");
            }

            if (line?.Member is null)
            {
                throw new InvalidDataException($"{JournalPath} line {i + 1} is not a roster entry");
            }

            if (line.Base == snapshotHash)
            {
                members.Add(line);
            }
        }

        return members;
    }

    private void FlushDirectory()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        try
        {
            using var handle = File.OpenHandle(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!, FileMode.Open, FileAccess.Read);
            RandomAccess.FlushToDisk(handle);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // As in AtomicFile: some file systems refuse fsync on directories.
        }
    }

    private static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <param name="Replaces">True when the member replaces the entry of its hostname (a renewal); null for an added member.</param>
    /// <param name="AuditHead">The audit head the change signed (its last line only); null when it left the head as it was.</param>
    internal sealed record JournalLine(string Base, RosterMember Member, bool? Replaces = null, Audit.AuditHead? AuditHead = null);
}
