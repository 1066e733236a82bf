using System.Net;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Issuing;
using Koi.Certmesh.Roster;
using Koi.Core;
using Koi.Core.Errors;
using Koi.Core.Hosting;
using Koi.Core.Net;
using Koi.Core.Status;
using Koi.Core.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.MeshPlane;

/// <summary>
/// The CA's mTLS plane (docs/certmesh.md "Mesh plane"): its own TLS listener (<see cref="CertmeshOptions.MeshPort"/>)
/// that presents the CA host's service certificate and asks every client for its mesh certificate. A certificate
/// that is presented must pass <see cref="MeshPeerValidator"/> or the handshake fails; member routes then require
/// one. It runs while this machine holds a CA, and is shown as <c>certmesh/mesh_plane</c>.
/// </summary>
internal sealed partial class MeshPlaneHost(
    CertmeshAuthority authority,
    MeshPeerValidator validator,
    ServerCertificate server,
    MemberRenewals renewals,
    Heartbeats heartbeats,
    CertmeshOptions options,
    StatusRegistry status,
    ILogger logger) : IHostedService, IAsyncDisposable
{
    private readonly ComponentHealth _health = status.Register(CaContext.Capability, "mesh_plane");
    private readonly SemaphoreSlim _sync = new(1, 1);
    private WebApplication? _app;
    private bool _stopped;

    // Mesh certificates are ECDSA (docs/certmesh.md); the key type is read from the one presented all the same.
    private readonly AeadHelloGate _aeadGate = new(
        () => server.Current()?.GetKeyAlgorithm() != RsaKeyAlgorithm,
        HandshakeTimeout,
        reason => LogTlsRefused(logger, reason));

    /// <summary>How long a client has to send its ClientHello (Kestrel's own TLS handshake limit is the same).</summary>
    internal static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    private const string RsaKeyAlgorithm = "1.2.840.113549.1.1.1";

    /// <summary>The port it listens on once running (the configured one, or the one picked for port 0).</summary>
    public int? Port { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _health.Starting();
        authority.Roster.Changed += OnRosterChanged;
        await ReconcileAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        authority.Roster.Changed -= OnRosterChanged;
        await _sync.WaitAsync(cancellationToken);
        try
        {
            _stopped = true;
            await StopListenerAsync();
            _health.Stopped("daemon stopped");
        }
        finally
        {
            _sync.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
            _app = null;
        }

        _sync.Dispose();
    }

    /// <summary>Listens while a CA exists here, and not otherwise.</summary>
    private async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        await _sync.WaitAsync(cancellationToken);
        try
        {
            if (_stopped)
            {
                return;
            }

            var wanted = authority.Roster.Current is not null && options.MeshPort >= 0;
            if (wanted && _app is null)
            {
                await StartListenerAsync(cancellationToken);
            }
            else if (!wanted && _app is not null)
            {
                await StopListenerAsync();
                _health.Running("no CA here: the mesh plane is off");
            }
            else if (!wanted)
            {
                _health.Running(options.MeshPort < 0 ? "switched off (certmesh.mesh_port: -1)" : "no CA here: the mesh plane is off");
            }
        }
        finally
        {
            _sync.Release();
        }
    }

    private async Task StartListenerAsync(CancellationToken cancellationToken)
    {
        var builder = KoiWebHost.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.Configure<JsonOptions>(json => KoiJson.Apply(json.SerializerOptions, [CertmeshJsonContext.Default, CoreJsonContext.Default]));
        builder.Services.AddSingleton(authority);
        builder.Services.AddSingleton(renewals);
        builder.Services.AddSingleton(heartbeats);
        builder.Services.AddSingleton(validator);
        builder.Services.AddSingleton(authority.Handover);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 64 * 1024;
            kestrel.Listen(options.MeshBind, options.MeshPort, listen =>
            {
                // The same TLS as every koi server port: 1.2 and 1.3, AEAD suites only (docs/security.md) — held by
                // the gate around the TLS middleware rather than by a cipher suite policy, so that .NET keeps one
                // OpenSSL context with session resumption (docs/performance.md "The regression found").
                listen.Use(_aeadGate.BeforeTls);
                listen.UseHttps(https =>
                {
                    https.SslProtocols = TlsPolicy.Protocols;
                    https.OnAuthenticate = (_, ssl) => TlsPolicy.ApplyProtocols(ssl);
                    https.ServerCertificateSelector = (_, _) => server.Current();
                    https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                    https.CheckCertificateRevocation = false;

                    // The system trust store knows nothing of this CA; the validator is the only judge.
                    https.ClientCertificateValidation = (certificate, _, _) => Admit(certificate);
                });
                listen.Use(_aeadGate.AfterTls);
            });
        });
        var app = builder.Build();
        app.Use(AnswerErrorsAsync);
        MeshRoutes.Map(app);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            await app.DisposeAsync();
            _health.Failed($"cannot listen on {options.MeshBind}:{options.MeshPort}: {ex.Message}");
            LogListenFailed(logger, options.MeshBind, options.MeshPort, ex);
            return;
        }

        _app = app;
        Port = new Uri(app.Urls.First()).Port;
        authority.Context.MeshPort = Port;
        _health.Running($"listening on {options.MeshBind}:{Port} (mTLS, member routes need a mesh client certificate)");
        LogListening(logger, options.MeshBind, Port.Value);
    }

    private async Task StopListenerAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            Port = null;
            authority.Context.MeshPort = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private bool Admit(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        if (validator.Validate(certificate, out var problem) is not null)
        {
            return true;
        }

        // Refused at the handshake: audited (who it claimed to be, and why), never silent.
        authority.Context.Audit.Write("mesh_handshake_refused",
            ("subject", certificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false)),
            ("serial", certificate.SerialNumber.ToLowerInvariant()), ("reason", problem));
        LogRefused(logger, problem ?? "refused");
        return false;
    }

    private static async Task AnswerErrorsAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (KoiException ex)
        {
            context.Response.StatusCode = KoiErrorStatus.Table.GetValueOrDefault(ex.Code, 500);
            if (ex.RetryAfterSeconds is { } retryAfter)
            {
                context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            await context.Response.WriteAsJsonAsync(new KoiError(ex.Code, ex.Message), CoreJsonContext.Default.KoiError);
        }
        catch (BadHttpRequestException ex)
        {
            context.Response.StatusCode = 400;
            await context.Response.WriteAsJsonAsync(new KoiError(KoiErrorCode.InvalidRequest, ex.Message), CoreJsonContext.Default.KoiError);
        }
    }

    private void OnRosterChanged(object? sender, EventArgs e) => _ = ReconcileGuardedAsync();

    private async Task ReconcileGuardedAsync()
    {
        try
        {
            await ReconcileAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _health.Failed($"mesh plane: {ex.Message}");
            LogListenFailed(logger, options.MeshBind, options.MeshPort, ex);
        }
    }
}
