using Koi.Core.Ceremony;
using Koi.Core.Errors;

namespace Koi.Ceremonies;

/// <summary>
/// A small ceremony that exercises every common prompt kind; tests and `koi ceremony demo` use it to prove the
/// engine and the CLI render loop without touching real state.
/// </summary>
internal sealed class DemoCeremony : ICeremonyRules
{
    public const string CeremonyName = "demo";

    private static readonly PromptOption[] Colours =
    [
        new("red", "Red"),
        new("green", "Green"),
        new("blue", "Blue"),
    ];

    public string Name => CeremonyName;

    public ValueTask<EvalResult> EvaluateAsync(CeremonyBag bag, CancellationToken cancellationToken) => ValueTask.FromResult(Evaluate(bag));

    private static EvalResult Evaluate(CeremonyBag bag)
    {
        if (!bag.Has("name"))
        {
            return EvalResult.Ask(
                [new CeremonyPrompt("name", "What should we call you?", InputType.Text)],
                [new CeremonyMessage(MessageKind.Info, "Demo", "A ceremony that changes nothing.")]);
        }

        var name = bag.GetString("name")!.Trim();
        if (name.Length is 0 or > 64)
        {
            return EvalResult.Invalid("name", "name must be 1 to 64 characters");
        }

        if (name == "forbidden")
        {
            return EvalResult.Fail(KoiErrorCode.Forbidden, "that name is not allowed");
        }

        if (!bag.Has("colour"))
        {
            return EvalResult.Ask([new CeremonyPrompt("colour", "Pick a colour", InputType.SelectOne, Options: Colours, Default: "green")]);
        }

        var colour = bag.GetString("colour");
        if (Array.FindIndex(Colours, option => option.Value == colour) < 0)
        {
            return EvalResult.Invalid("colour", "colour must be red, green or blue");
        }

        if (!bag.Has("secret"))
        {
            return EvalResult.Ask([new CeremonyPrompt("secret", "Choose a secret (8+ characters)", InputType.SecretConfirm)]);
        }

        if (bag.GetString("secret")!.Length < 8)
        {
            return EvalResult.Invalid("secret", "secret must be at least 8 characters");
        }

        return EvalResult.Done(
            [new CeremonyMessage(MessageKind.Summary, "Demo complete", $"Name: {name}\nColour: {colour}\nSecret: {new string('*', 8)}")],
            new Dictionary<string, object?> { ["name"] = name, ["colour"] = colour });
    }
}
