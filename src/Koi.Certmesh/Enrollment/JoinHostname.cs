using Koi.Core.Errors;

namespace Koi.Certmesh.Enrollment;

/// <summary>
/// What name a joiner may enroll under. koi names a machine by one DNS label (its host name's first label,
/// lowercased), and the CA derives every other name from it: <c>label.local</c>, <c>label.&lt;zone&gt;</c> and, with a
/// domain scope, <c>label.&lt;domain&gt;</c>. So a bare label is inside any domain scope by construction; a fully
/// qualified name is accepted only when it lies inside the domain scope, one label below it, and is enrolled as that
/// label. Syntax follows RFC 1123; anything else is refused before it reaches a path, a certificate or a log.
/// </summary>
internal static class JoinHostname
{
    public const int MaxLabelLength = 63;
    public const int MaxNameLength = 253;

    /// <summary>The lowercased name when its syntax is sound; otherwise null and why.</summary>
    public static string? Syntax(string? text, out string? problem)
    {
        problem = null;
        if (string.IsNullOrEmpty(text))
        {
            problem = "missing required field: hostname";
            return null;
        }

        if (text.Length > MaxNameLength)
        {
            problem = $"hostname is longer than {MaxNameLength} characters";
            return null;
        }

        // Checked before lowercasing: ToLowerInvariant maps some non-ASCII letters (the Kelvin sign) to ASCII ones.
        var labels = text.Split('.');
        foreach (var label in labels)
        {
            if (label.Length is 0 or > MaxLabelLength
                || !label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
                || label[0] == '-' || label[^1] == '-')
            {
                problem = "hostname must be RFC 1123 labels (letters, digits, inner hyphens, 1–63 characters each, no path separators or control characters)";
                return null;
            }
        }

        // An all-numeric last label reads as an IP address to many resolvers (inet_aton("123") is 0.0.0.123).
        var name = text.ToLowerInvariant();
        if (labels[^1].All(char.IsAsciiDigit))
        {
            problem = "hostname must not look like an address (its last label is all digits)";
            return null;
        }

        if (name.Split('.')[0] == "localhost")
        {
            problem = "hostname 'localhost' names every machine; use this machine's own name";
            return null;
        }

        return name;
    }

    /// <summary>
    /// The label to enroll: the name itself when it is one label, the first label of a name one level inside the
    /// domain scope. Throws <c>out_of_scope</c> for a name outside the scope, <c>invalid_request</c> for a qualified
    /// name the mesh has no domain for.
    /// </summary>
    public static string Resolve(string name, string? domainScope)
    {
        if (!name.Contains('.', StringComparison.Ordinal))
        {
            return name;
        }

        if (domainScope is null)
        {
            throw new KoiException(KoiErrorCode.InvalidRequest,
                $"hostname must be this machine's name, one label (got '{name}'); qualified names are taken only inside a mesh's domain scope");
        }

        var suffix = "." + domainScope.ToLowerInvariant();
        if (!name.EndsWith(suffix, StringComparison.Ordinal))
        {
            throw new KoiException(KoiErrorCode.OutOfScope, $"hostname '{name}' is outside the mesh's domain scope {domainScope}");
        }

        var label = name[..^suffix.Length];
        if (label.Contains('.', StringComparison.Ordinal))
        {
            throw new KoiException(KoiErrorCode.InvalidRequest,
                $"hostname '{name}' is more than one label below {domainScope}; enroll the machine's own name");
        }

        return label;
    }
}
