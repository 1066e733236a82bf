using Koi.Certmesh.Authority;
using Koi.Core.Ceremony;
using Koi.Core.Errors;

namespace Koi.Certmesh.Ceremonies;

/// <summary>
/// The <c>unlock</c> ceremony: one passphrase; a wrong one ends the session with 401 (and is audited). With
/// <c>auto_unlock</c> (systemd-creds, machine-id or off) the same passphrase also sets how the CA unlocks at start.
/// </summary>
internal sealed class UnlockCeremony(CertmeshAuthority authority, Standby.StandbyNode? standby = null) : ICeremonyRules
{
    public const string CeremonyName = "unlock";

    public string Name => CeremonyName;

    public async ValueTask<EvalResult> EvaluateAsync(CeremonyBag bag, CancellationToken cancellationToken)
    {
        if (!authority.Initialized && standby is { IsStandby: true })
        {
            if (bag.Has("auto_unlock"))
            {
                return EvalResult.Fail(KoiErrorCode.InvalidRequest, "auto-unlock is for the primary CA; a standby is unlocked by hand");
            }

            return await UnlockStandbyAsync(standby, bag, cancellationToken);
        }

        if (!authority.Initialized)
        {
            return EvalResult.Fail(KoiErrorCode.CaNotInitialized, "no certmesh CA on this machine yet; run koi certmesh create");
        }

        if (!bag.Has("passphrase"))
        {
            return EvalResult.Ask([new CeremonyPrompt("passphrase", "CA passphrase", InputType.Secret)]);
        }

        if (bag.GetString("auto_unlock") is { } method)
        {
            var set = await authority.SetAutoUnlockAsync(method, bag.GetString("passphrase")!, cancellationToken);
            var said = set.Method == AutoUnlock.Off
                ? "auto-unlock is off: the CA starts locked"
                : $"auto-unlock: {set.Method} — the CA unlocks itself at every daemon start. {AutoUnlock.WarningFor(set.Method)}";
            return EvalResult.Done(
                [new CeremonyMessage(MessageKind.Info, set.UnlockedNow ? "Unlocked" : "Auto-unlock set", said)],
                new Dictionary<string, object?> { ["locked"] = false, ["ca_fingerprint"] = set.CaFingerprint, ["auto_unlock"] = set.Method });
        }

        var result = await authority.UnlockAsync(bag.GetString("passphrase")!, cancellationToken);
        return EvalResult.Done(
            [new CeremonyMessage(MessageKind.Info, "Unlocked", $"the CA can sign again (fingerprint {result.CaFingerprint[..16]}…)")],
            new Dictionary<string, object?> { ["locked"] = false, ["ca_fingerprint"] = result.CaFingerprint });
    }

    /// <summary>On a standby CA the same command opens its sealed copy, so it can take over when the primary goes.</summary>
    private static async ValueTask<EvalResult> UnlockStandbyAsync(Standby.StandbyNode standby, CeremonyBag bag, CancellationToken cancellationToken)
    {
        if (!bag.Has("passphrase"))
        {
            return EvalResult.Ask([new CeremonyPrompt("passphrase", "Standby CA passphrase", InputType.Secret)]);
        }

        await standby.UnlockAsync(bag.GetString("passphrase")!, cancellationToken);
        return EvalResult.Done(
            [new CeremonyMessage(MessageKind.Info, "Unlocked", "the standby CA can take over if the primary goes away")],
            new Dictionary<string, object?> { ["locked"] = false, ["role"] = "standby" });
    }
}
