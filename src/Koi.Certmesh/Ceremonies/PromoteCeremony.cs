using Koi.Certmesh.Standby;
using Koi.Core.Ceremony;

namespace Koi.Certmesh.Ceremonies;

/// <summary>
/// The <c>promote</c> ceremony on a member: the code the CA's authenticator shows, then the unlock passphrase this
/// machine will keep the standby CA under (typed twice). The primary's refusal ends the session with its reason.
/// </summary>
internal sealed class PromoteCeremony(StandbyPromotion promotion) : ICeremonyRules
{
    public const string CeremonyName = "promote";

    public string Name => CeremonyName;

    public async ValueTask<EvalResult> EvaluateAsync(CeremonyBag bag, CancellationToken cancellationToken)
    {
        if (!bag.Has("totp_code"))
        {
            return EvalResult.Ask([new CeremonyPrompt("totp_code", "Type the 6-digit code the CA's authenticator app shows now", InputType.Code)]);
        }

        if (!bag.Has("passphrase"))
        {
            return EvalResult.Ask([new CeremonyPrompt("passphrase", "Unlock passphrase for the standby CA on this machine (12+ characters)", InputType.SecretConfirm)]);
        }

        var result = await promotion.PromoteAsync(bag.GetString("totp_code"), bag.GetString("passphrase"), cancellationToken);
        return EvalResult.Done(
            [new CeremonyMessage(MessageKind.Info, "Standby", $"this machine is now the standby CA; {result.Primary} stays primary (epoch {result.Epoch})")],
            new Dictionary<string, object?>
            {
                ["standby"] = result.Standby,
                ["primary"] = result.Primary,
                ["ca_fingerprint"] = result.CaFingerprint,
                ["epoch"] = result.Epoch,
            });
    }
}
