using Koi.Certmesh.Authority;
using Koi.Core.Ceremony;
using Koi.Core.Errors;

namespace Koi.Certmesh.Ceremonies;

/// <summary>The <c>unlock</c> ceremony: one passphrase; a wrong one ends the session with 401 (and is audited).</summary>
internal sealed class UnlockCeremony(CertmeshAuthority authority) : ICeremonyRules
{
    public const string CeremonyName = "unlock";

    public string Name => CeremonyName;

    public async ValueTask<EvalResult> EvaluateAsync(CeremonyBag bag, CancellationToken cancellationToken)
    {
        if (!authority.Initialized)
        {
            return EvalResult.Fail(KoiErrorCode.CaNotInitialized, "no certmesh CA on this machine yet; run koi certmesh create");
        }

        if (!bag.Has("passphrase"))
        {
            return EvalResult.Ask([new CeremonyPrompt("passphrase", "CA passphrase", InputType.Secret)]);
        }

        var result = await authority.UnlockAsync(bag.GetString("passphrase")!, cancellationToken);
        return EvalResult.Done(
            [new CeremonyMessage(MessageKind.Info, "Unlocked", $"the CA can sign again (fingerprint {result.CaFingerprint[..16]}…)")],
            new Dictionary<string, object?> { ["locked"] = false, ["ca_fingerprint"] = result.CaFingerprint });
    }
}
