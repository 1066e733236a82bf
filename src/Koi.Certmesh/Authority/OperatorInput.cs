using Koi.Certmesh.Enrollment;
using Koi.Core.Errors;

namespace Koi.Certmesh.Authority;

/// <summary>The fields an operator types on the CA (a hostname to approve or revoke, a reason, a name), checked once.</summary>
internal static class OperatorInput
{
    public const int MaxNoteChars = 256;

    public static string RequireHostname(string? hostname)
    {
        if (string.IsNullOrWhiteSpace(hostname))
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, "missing required field: hostname");
        }

        return JoinHostname.Syntax(hostname.Trim(), out var problem) ?? throw new KoiException(KoiErrorCode.InvalidRequest, problem!);
    }

    /// <summary>A free-text field (reason, approver): bounded, one line.</summary>
    public static string? Note(string field, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var trimmed = text.Trim();
        if (trimmed.Length > MaxNoteChars || trimmed.Any(char.IsControl))
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, $"{field} must be one line of at most {MaxNoteChars} characters");
        }

        return trimmed;
    }
}
