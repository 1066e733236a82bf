namespace Koi.Demo;

/// <summary><c>koi demo --json</c>: how the story ended (the narration goes to stderr).</summary>
internal sealed record DemoOutput(bool Green, int StepsGreen, double Seconds, string? Failure);
