namespace Koi.Scenarios.Harness;

internal sealed record LabCommandResult(string Command, int ExitCode, string Stdout, string Stderr)
{
    public bool Succeeded => ExitCode == 0;

    public LabCommandResult EnsureSuccess()
    {
        return Succeeded ? this : throw new LabException($"`{Command}` exited {ExitCode}.\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
    }

    public override string ToString() => $"`{Command}` exited {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}
