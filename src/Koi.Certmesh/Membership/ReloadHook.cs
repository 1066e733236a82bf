using System.Diagnostics;
using System.Text;
using Koi.Core.Errors;

namespace Koi.Certmesh.Membership;

/// <summary>
/// The command a member runs after each renewal (e.g. <c>systemctl reload nginx</c>): split into argv here — quotes
/// group, nothing else is special — and run without a shell, with a timeout. Its outcome never undoes the renewal.
/// </summary>
internal static class ReloadHook
{
    public const int MaxChars = 512;
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>argv of <paramref name="command"/>; throws <c>invalid_request</c> for what cannot be run.</summary>
    public static IReadOnlyList<string> Parse(string command)
    {
        if (command.Length > MaxChars || command.Any(char.IsControl))
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, $"the reload hook must be one line of at most {MaxChars} characters");
        }

        var argv = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        char? quote = null;
        foreach (var c in command)
        {
            if (quote is { } q)
            {
                if (c == q)
                {
                    quote = null;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    argv.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }
            }
            else
            {
                current.Append(c);
                inWord = true;
            }
        }

        if (quote is not null)
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, "the reload hook has an unclosed quote");
        }

        if (inWord)
        {
            argv.Add(current.ToString());
        }

        return argv.Count > 0 ? argv : throw new KoiException(KoiErrorCode.InvalidRequest, "the reload hook is empty (use --clear to remove it)");
    }

    /// <summary>Runs the hook; null when it exited 0 in time, else what went wrong (exit code, timeout, not found).</summary>
    public static async Task<string?> RunAsync(string command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var argv = Parse(command);
        var start = new ProcessStartInfo(argv[0])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var arg in argv.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return $"cannot start {argv[0]}: {ex.Message}";
        }

        using (process)
        {
            process.StandardInput.Close();
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(timeout);
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                return $"{argv[0]} did not finish within {timeout.TotalSeconds:0} s (killed)";
            }

            if (process.ExitCode == 0)
            {
                return null;
            }

            var error = (await stderr).Trim();
            return $"{argv[0]} exited {process.ExitCode}{(error.Length == 0 ? string.Empty : $": {(error.Length > 200 ? error[..200] : error)}")}";
        }
    }
}
