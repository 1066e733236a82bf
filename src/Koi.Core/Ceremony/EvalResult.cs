namespace Koi.Core.Ceremony;

/// <summary>What a ceremony's rules decide after each merge of client data into the bag.</summary>
public abstract record EvalResult
{
    private EvalResult()
    {
    }

    public static NeedInput Ask(IReadOnlyList<CeremonyPrompt> prompts, IReadOnlyList<CeremonyMessage>? messages = null) =>
        new(prompts, messages ?? []);

    public static ValidationError Invalid(string key, string message) => new(key, message);

    public static Complete Done(IReadOnlyList<CeremonyMessage> messages, IReadOnlyDictionary<string, object?>? result = null) =>
        new(messages, result);

    public static Fatal Fail(string code, string message) => new(code, message);

    public sealed record NeedInput(IReadOnlyList<CeremonyPrompt> Prompts, IReadOnlyList<CeremonyMessage> Messages) : EvalResult;

    /// <summary>The value under <see cref="Key"/> is rejected: the host drops it from the bag and asks again.</summary>
    public sealed record ValidationError(string Key, string Message) : EvalResult;

    public sealed record Complete(IReadOnlyList<CeremonyMessage> Messages, IReadOnlyDictionary<string, object?>? Result) : EvalResult;

    /// <summary>The ceremony cannot go on; the session ends and the client gets the error <see cref="Code"/>.</summary>
    public sealed record Fatal(string Code, string Message) : EvalResult;
}
