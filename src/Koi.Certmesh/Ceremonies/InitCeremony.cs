using Koi.Certmesh.Authority;
using Koi.Certmesh.Crypto;
using Koi.Certmesh.Issuing;
using Koi.Certmesh.Roster;
using Koi.Core.Ceremony;
using Koi.Core.Errors;

namespace Koi.Certmesh.Ceremonies;

/// <summary>
/// The <c>init</c> ceremony (issue 5): profile → (custom policy) → operator → scope → entropy → passphrase
/// → TOTP setup → create. Keys starting with '_' are the rules' own state: the passphrase proposal, the TOTP secret
/// and entropy collected over several rounds.
/// </summary>
internal sealed class InitCeremony(CertmeshAuthority authority) : ICeremonyRules
{
    public const string CeremonyName = "init";
    public const int EntropyGoalBits = 256;

    private static readonly PromptOption[] Profiles =
    [
        new("just_me", "Just me (homelab, personal projects)"),
        new("team", "My team (small office, studio, lab)"),
        new("organization", "My organization (school, library, clinic)"),
        new("custom", "Custom (choose enrollment and approval yourself)"),
    ];

    public string Name => CeremonyName;

    public async ValueTask<EvalResult> EvaluateAsync(CeremonyBag bag, CancellationToken cancellationToken)
    {
        if (authority.Initialized)
        {
            return EvalResult.Fail(KoiErrorCode.Conflict, "a certmesh CA already exists on this machine; koi certmesh destroy first");
        }

        if (!bag.Has("profile"))
        {
            return EvalResult.Ask(
                [new CeremonyPrompt("profile", "Who's this network for?", InputType.SelectOne, Options: Profiles)],
                [new CeremonyMessage(MessageKind.Info, "Certmesh", "Welcome to Certmesh: a private certificate authority for your LAN.")]);
        }

        TrustProfile profile;
        try
        {
            profile = CreatePlan.ParseProfile(bag.GetString("profile"));
        }
        catch (KoiException ex)
        {
            return EvalResult.Invalid("profile", ex.Message);
        }

        if (Policy(bag, profile) is { } policyStep)
        {
            return policyStep;
        }

        if (Scope(bag, profile) is { } scopeStep)
        {
            return scopeStep;
        }

        if (Entropy(bag) is { } entropyStep)
        {
            return entropyStep;
        }

        if (Passphrase(bag) is { } passphraseStep)
        {
            return passphraseStep;
        }

        if (!bag.Has("_totp"))
        {
            bag.Set("_totp", Base32.Encode(CertmeshAuthority.NewTotpSecret(CollectedEntropy(bag))));
        }

        var secret = Base32.Decode(bag.GetString("_totp")!);
        var uri = authority.TotpUri(secret);
        if (!bag.Has("totp_code"))
        {
            return EvalResult.Ask(
                [new CeremonyPrompt("totp_code", "Type the 6-digit code your authenticator app shows now", InputType.Code, Required: false, Default: string.Empty)],
                [new CeremonyMessage(MessageKind.QrCode, "Scan this QR code with your authenticator app", uri)]);
        }

        var code = bag.GetString("totp_code")!.Trim();
        if (code.Length > 0 && !Totp.Verify(secret, code, authority.Now))
        {
            return EvalResult.Invalid("totp_code", "that code does not match; check the phone's clock and type the current code");
        }

        CreatePlan plan;
        try
        {
            plan = CreatePlan.Build(
                profile,
                bag.GetString("operator"),
                CreatePlan.ParseEnrollment(bag.GetString("enrollment")),
                CreatePlan.ParseBool("require_approval", bag.GetString("require_approval")),
                bag.GetString("domain"),
                bag.GetString("subnet"),
                authority.InferSubnet);
            plan = plan with { AutoUnlock = CreatePlan.ParseBool("auto_unlock", bag.GetString("auto_unlock")) == true };
        }
        catch (KoiException ex)
        {
            return EvalResult.Fail(ex.Code, ex.Message);
        }

        var result = await authority.CreateAsync(plan, bag.GetString("passphrase")!, CollectedEntropy(bag), secret, cancellationToken);
        var trust = string.Join(", ", result.Trust.Select(t => $"{t.Store} {t.State.ToString().ToLowerInvariant()}"));
        return EvalResult.Done(
            [
                new CeremonyMessage(MessageKind.Summary, "Certificate mesh created", string.Join('\n',
                    $"Profile:        {CreatePlan.ProfileTitle(plan.Profile)}",
                    $"CA fingerprint: {result.CaFingerprint}",
                    $"Members:        {result.Members}",
                    $"Cert path:      {result.CertPath}",
                    $"Trust stores:   {(trust.Length == 0 ? "not managed" : trust)}",
                    $"TOTP:           {(code.Length > 0 ? "confirmed" : "not confirmed (scan the QR code shown above)")}")),
            ],
            new Dictionary<string, object?>
            {
                ["profile"] = result.Profile,
                ["ca_fingerprint"] = result.CaFingerprint,
                ["members"] = result.Members,
                ["cert_path"] = result.CertPath,
                ["totp_uri"] = result.TotpUri,
                ["totp_qr_png"] = result.TotpQrPng,
                ["totp_confirmed"] = code.Length > 0,
                ["trust"] = result.Trust,
            });
    }

    private static EvalResult? Policy(CeremonyBag bag, TrustProfile profile)
    {
        if (profile == TrustProfile.Custom && !bag.Has("enrollment"))
        {
            return EvalResult.Ask([new CeremonyPrompt("enrollment", "Enrollment at creation", InputType.SelectOne,
                Options: [new("open", "Open: machines can join now"), new("closed", "Closed: open a window when needed")], Default: "open")]);
        }

        if (profile == TrustProfile.Custom && !bag.Has("require_approval"))
        {
            return EvalResult.Ask([new CeremonyPrompt("require_approval", "Join approval", InputType.SelectOne,
                Options: [new("false", "Not required"), new("true", "Required: confirm each machine here")], Default: "false")]);
        }

        try
        {
            _ = CreatePlan.ParseEnrollment(bag.GetString("enrollment"));
        }
        catch (KoiException ex)
        {
            return EvalResult.Invalid("enrollment", ex.Message);
        }

        try
        {
            _ = CreatePlan.ParseBool("require_approval", bag.GetString("require_approval"));
        }
        catch (KoiException ex)
        {
            return EvalResult.Invalid("require_approval", ex.Message);
        }

        if (!bag.Has("operator") && profile is TrustProfile.Team or TrustProfile.Organization)
        {
            var required = profile == TrustProfile.Organization;
            return EvalResult.Ask([new CeremonyPrompt("operator", required ? "Operator name (for the audit trail)" : "Operator name (for the audit trail; Enter for none)",
                InputType.Text, Required: required, Default: required ? null : string.Empty)]);
        }

        var name = bag.GetString("operator");
        if (name is not null && (name.Length > CreatePlan.MaxOperatorLength || name.Any(char.IsControl)))
        {
            return EvalResult.Invalid("operator", $"operator must be at most {CreatePlan.MaxOperatorLength} printable characters");
        }

        if (profile == TrustProfile.Organization && string.IsNullOrWhiteSpace(name))
        {
            return EvalResult.Invalid("operator", "the organization profile needs an operator name");
        }

        return null;
    }

    private static EvalResult? Scope(CeremonyBag bag, TrustProfile profile)
    {
        if (profile == TrustProfile.Organization && !bag.Has("domain"))
        {
            return EvalResult.Ask([new CeremonyPrompt("domain", "Domain scope (certificates only for names in it, e.g. school.local)", InputType.Text)]);
        }

        if (profile == TrustProfile.Organization && !bag.Has("subnet"))
        {
            return EvalResult.Ask([new CeremonyPrompt("subnet", "Subnet scope (CIDR, e.g. 192.168.1.0/24)", InputType.Text)]);
        }

        if (bag.GetString("domain") is { Length: > 0 } domain)
        {
            try
            {
                SanPolicy.ValidateDomain(domain.Trim().TrimEnd('.'));
            }
            catch (KoiException ex)
            {
                return EvalResult.Invalid("domain", ex.Message);
            }
        }

        if (bag.GetString("subnet") is { Length: > 0 } subnet && !SanPolicy.TryParseSubnet(subnet, out _))
        {
            return EvalResult.Invalid("subnet", $"'{subnet}' is not a CIDR such as 192.168.1.0/24");
        }

        return null;
    }

    /// <summary>
    /// Keyboard mashing until the estimate reaches 256 bits. An empty answer means "CSPRNG only", which is always
    /// safe: operator entropy is mixed in, never relied on.
    /// </summary>
    private static EvalResult? Entropy(CeremonyBag bag)
    {
        if (!bag.Has("entropy"))
        {
            var have = EntropyMixer.EstimateBits(bag.GetString("_entropy"));
            return EvalResult.Ask(
                [new CeremonyPrompt("entropy", "Let's generate a strong foundation. Mash your keyboard randomly... GO!", InputType.Entropy, Required: false, Default: string.Empty)],
                have == 0 ? null : [new CeremonyMessage(MessageKind.Info, "Entropy", $"{have} of {EntropyGoalBits} bits collected; keep mashing")]);
        }

        var fresh = bag.GetString("entropy") ?? string.Empty;
        if (fresh.Length == 0)
        {
            return null;
        }

        var total = CollectedEntropy(bag);
        if (EntropyMixer.EstimateBits(total) < EntropyGoalBits)
        {
            bag.Set("_entropy", total);
            bag.Remove("entropy");
            return Entropy(bag);
        }

        return null;
    }

    private static EvalResult? Passphrase(CeremonyBag bag)
    {
        if (!bag.Has("_proposal"))
        {
            bag.Set("_proposal", PassphraseGenerator.Generate());
        }

        var proposal = bag.GetString("_proposal")!;
        if (!bag.Has("passphrase"))
        {
            return EvalResult.Ask(
                [new CeremonyPrompt("passphrase", "CA passphrase: type the proposal to accept it, or your own (12+ characters)", InputType.SecretConfirm)],
                [new CeremonyMessage(MessageKind.Info, "Proposed passphrase", $"{proposal}  ({PassphraseGenerator.DefaultWords} words, {PassphraseGenerator.EntropyBits()} bits; write it down, it unlocks the CA after every reboot)")]);
        }

        var passphrase = bag.GetString("passphrase")!;
        if (passphrase != proposal && PassphraseGenerator.CheckManual(passphrase) is { } problem)
        {
            return EvalResult.Invalid("passphrase", problem);
        }

        return null;
    }

    private static string CollectedEntropy(CeremonyBag bag) => (bag.GetString("_entropy") ?? string.Empty) + (bag.GetString("entropy") ?? string.Empty);
}
