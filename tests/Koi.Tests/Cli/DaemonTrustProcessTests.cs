using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Koi.Daemon;

namespace Koi.Tests.Cli;

/// <summary>
/// What a local user who is not koi's can do to the data dir and the daemon's port, tried with the real binary: a
/// data dir others can write is refused, and whatever sits on the daemon's port gets no secret until it proves it
/// holds the token.
/// </summary>
public sealed class DaemonTrustProcessTests
{
    private const string Passphrase = "correct horse battery staple 42";
    private const string Token = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static readonly string Koi = KoiProcess.BuiltBinary;

    [Theory]
    [InlineData(UnixFileMode.OtherWrite, "every user")]
    [InlineData(UnixFileMode.GroupWrite, "its group")]
    public async Task Daemon_DataDirWritableByOthers_ExitsOneNamingTheFix(UnixFileMode extra, string who)
    {
        using var dir = new TempDirectory();
        File.SetUnixFileMode(dir.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | extra);

        var run = await KoiProcess.RunAsync(Koi, ["daemon", "--no-mdns", "--http-bind", "127.0.0.1", "--http-port", KoiProcess.FreeTcpPort().ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", dir.Path, "--json"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("data_dir_unsafe", JsonDocument.Parse(run.Stdout).RootElement.GetProperty("error").GetString());
        Assert.Contains(who, run.Stderr, StringComparison.Ordinal);
        Assert.Contains("chmod go-w", run.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir.Path, "daemon.json")));
    }

    [Fact]
    public async Task Daemon_DataDirOwnedByAnotherUser_ExitsOne()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "only root can give a directory to another user");
        using var dir = new TempDirectory();
        Assert.Equal(0, (await RunToolAsync("chown", "65534", dir.Path)).ExitCode);

        var run = await KoiProcess.RunAsync(Koi, ["daemon", "--no-mdns", "--http-bind", "127.0.0.1", "--http-port", KoiProcess.FreeTcpPort().ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", dir.Path]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("belongs to user id 65534", run.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir.Path, "daemon.json")));
    }

    [Fact]
    public async Task Unlock_ImpostorOnDaemonPort_ReceivesNeitherTokenNorPassphrase()
    {
        using var dir = new TempDirectory();
        await using var impostor = Impostor.Start();
        new Breadcrumb(impostor.Endpoint, Token, 1, DateTimeOffset.UtcNow).Write(dir.Path);

        var run = await KoiProcess.RunAsync(Koi, ["certmesh", "unlock", "--passphrase", Passphrase, "--json", "--data-dir", dir.Path]);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("daemon_unproven", JsonDocument.Parse(run.Stdout).RootElement.GetProperty("error").GetString());
        Assert.NotEmpty(impostor.Requests);
        Assert.All(impostor.Requests, request =>
        {
            Assert.DoesNotContain(Token, request, StringComparison.Ordinal);
            Assert.DoesNotContain(Passphrase, request, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Status_ImpostorAnswersProofWithoutTheToken_Refused()
    {
        using var dir = new TempDirectory();
        await using var impostor = Impostor.Start(proof: new string('a', 64));
        new Breadcrumb(impostor.Endpoint, Token, 1, DateTimeOffset.UtcNow).Write(dir.Path);

        var run = await KoiProcess.RunAsync(Koi, ["status", "--data-dir", dir.Path]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("did not prove it holds the daemon token", run.Stderr, StringComparison.Ordinal);
        Assert.All(impostor.Requests, request => Assert.DoesNotContain(Token, request, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Status_BreadcrumbInGroupWritableDataDir_RefusedBeforeAnyRequest()
    {
        using var dir = new TempDirectory();
        await using var impostor = Impostor.Start();
        new Breadcrumb(impostor.Endpoint, Token, 1, DateTimeOffset.UtcNow).Write(dir.Path);
        File.SetUnixFileMode(dir.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupWrite | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);

        var run = await KoiProcess.RunAsync(Koi, ["status", "--json", "--data-dir", dir.Path]);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("data_dir_unsafe", JsonDocument.Parse(run.Stdout).RootElement.GetProperty("error").GetString());
        Assert.Empty(impostor.Requests);
    }

    [Fact]
    public async Task Status_RealDaemon_ProvesItselfAndAnswers()
    {
        await using var daemon = await LocalDaemon.StartAsync(Koi);

        var run = await KoiProcess.RunAsync(Koi, ["status", "--json", "--data-dir", daemon.DataDir]);

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal(daemon.Process.Pid, JsonDocument.Parse(run.Stdout).RootElement.GetProperty("pid").GetInt32());
    }

    private static async Task<KoiRun> RunToolAsync(string tool, params string[] args)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(tool, args) { RedirectStandardError = true })!;
        var stderr = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return new KoiRun(process.ExitCode, "", stderr);
    }

    /// <summary>A program on the daemon's port that records every request whole and answers what it is told to.</summary>
    private sealed class Impostor : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _serving;
        private readonly string? _proof;

        private Impostor(int port, string? proof)
        {
            _proof = proof;
            Endpoint = $"http://127.0.0.1:{port}";
            _listener.Prefixes.Add($"{Endpoint}/");
            _listener.Start();
            _serving = Task.Run(ServeAsync);
        }

        public string Endpoint { get; }

        public ConcurrentQueue<string> Requests { get; } = new();

        public static Impostor Start(string? proof = null) => new(KoiProcess.FreeTcpPort(), proof);

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            await _serving;
            _listener.Close();
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                using var reader = new StreamReader(context.Request.InputStream);
                var body = await reader.ReadToEndAsync();
                var headers = string.Join('\n', context.Request.Headers.AllKeys.Select(k => $"{k}: {context.Request.Headers[k]}"));
                Requests.Enqueue($"{context.Request.HttpMethod} {context.Request.RawUrl}\n{headers}\n\n{body}");
                var answer = _proof is not null && context.Request.Url!.AbsolutePath == DaemonProof.Route
                    ? $$"""{"proof":"{{_proof}}"}"""
                    : """{"error":"not_found","message":"nothing here"}""";
                context.Response.StatusCode = answer.Contains("proof", StringComparison.Ordinal) ? 200 : 404;
                context.Response.ContentType = "application/json";
                var bytes = System.Text.Encoding.UTF8.GetBytes(answer);
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
        }
    }
}
