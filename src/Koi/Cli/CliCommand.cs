using System.CommandLine;
using System.Text.Json;
using Koi.Core;
using Koi.Core.Errors;

namespace Koi.Cli;

/// <summary>Binds a command's handler and maps every failure to one exit code and one error output.</summary>
internal static class CliCommand
{
    public static void SetHandler(this Command command, CliEnvironment environment, Func<CliContext, CancellationToken, Task<int>> handler)
    {
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = environment.CreateContext(parse);
            try
            {
                return await handler(cli, cancellationToken);
            }
            catch (UsageException ex)
            {
                return Fail(cli, KoiErrorCode.InvalidRequest, ex.Message, ExitCodes.Usage);
            }
            catch (CliFailure ex)
            {
                return Fail(cli, ex.Code, ex.Message, ExitCodes.Failed);
            }
            catch (DaemonUnreachableException ex)
            {
                return Fail(cli, "daemon_unreachable", ex.Message, ExitCodes.DaemonUnreachable);
            }
            catch (DaemonErrorException ex)
            {
                return Fail(cli, ex.Error.Error, ex.Error.Message, ex.ExitCode);
            }
            catch (KoiException ex)
            {
                // Raised in-process, e.g. by an mDNS engine the CLI runs itself when no daemon is there.
                return Fail(cli, ex.Code, ex.Message, KoiErrorStatus.For(ex.Code) == 400 ? ExitCodes.Usage : ExitCodes.Failed);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return Fail(cli, "cancelled", "cancelled", ExitCodes.Failed);
            }
        });
    }

    public static int Fail(CliContext cli, string code, string message, int exitCode)
    {
        if (cli.Json)
        {
            cli.JsonStdout.WriteLine(JsonSerializer.Serialize(new KoiError(code, message), CoreJsonContext.Default.KoiError));
        }

        cli.Stderr.WriteLine($"error: {message}");
        return exitCode;
    }

    public static void WriteJson(this CliContext cli, object value) =>
        cli.JsonStdout.WriteLine(JsonSerializer.Serialize(value, AppJson.Indented.GetTypeInfo(value.GetType())));
}
