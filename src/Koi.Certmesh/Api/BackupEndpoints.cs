using Koi.Certmesh.Authority;
using Koi.Certmesh.Backup;
using Koi.Certmesh.Crypto;
using Koi.Core.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Koi.Certmesh.Api;

/// <summary><c>POST /v1/certmesh/backup</c> and <c>/restore</c> (docs/certmesh.md, "Backup and restore"); local only.</summary>
internal static class BackupEndpoints
{
    public const string ExportConfirmation = "EXPORT";

    public static void Map(IEndpointRouteBuilder group)
    {
        group.MapPost("/backup", BackupAsync);
        group.MapPost("/restore", RestoreAsync);
    }

    private static async Task<BackupAnswer> BackupAsync(CertmeshAuthority ca, BackupRequest body, CancellationToken ct)
    {
        if (body.Confirm != ExportConfirmation)
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, $"backup needs \"confirm\": \"{ExportConfirmation}\"");
        }

        // Without a passphrase of its own, one is proposed as at create (96 bits) and returned once.
        var proposed = string.IsNullOrEmpty(body.Passphrase);
        var passphrase = proposed ? PassphraseGenerator.Generate() : body.Passphrase!;
        var result = await ca.Backup.BackupAsync(passphrase, ct);
        return new BackupAnswer(result.Backup, result.CaFingerprint, result.Members, result.CreatedAt, proposed ? passphrase : null);
    }

    private static Task<RestoreResult> RestoreAsync(CertmeshAuthority ca, RestoreRequest body, CancellationToken ct) =>
        ca.Backup.RestoreAsync(
            body.Backup ?? throw Missing("backup"),
            body.BackupPassphrase ?? throw Missing("backup_passphrase"),
            body.NewPassphrase ?? throw Missing("new_passphrase"),
            body.Force ?? false,
            ct);

    private static KoiException Missing(string field) => new(KoiErrorCode.InvalidRequest, $"missing required field: {field}");
}

internal sealed record BackupRequest(string? Confirm, string? Passphrase);

/// <summary>The sealed file's text, and the proposed passphrase when the caller gave none (shown once, never stored).</summary>
internal sealed record BackupAnswer(string Backup, string CaFingerprint, int Members, DateTimeOffset CreatedAt, string? ProposedPassphrase);

internal sealed record RestoreRequest(string? Backup, string? BackupPassphrase, string? NewPassphrase, bool? Force);
