using System.Buffers;
using System.IO.Pipelines;
using Koi.Core.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Koi.Certmesh.MeshPlane;

/// <summary>
/// Holds the mesh plane's TLS to AEAD suites without a <see cref="System.Net.Security.CipherSuitesPolicy"/>, as the
/// proxy does (docs/performance.md "The regression found"): on Linux a policy makes .NET build a new OpenSSL context
/// for every handshake and turns session resumption off. Before the TLS middleware, the client's ClientHello is read
/// and a client that offers no AEAD suite (<see cref="TlsPolicy.OffersAead"/>) gets a handshake_failure alert; after
/// it, a handshake that ended on another suite anyway is closed. Everything in between is .NET's default suite list.
/// </summary>
internal sealed class AeadHelloGate(Func<bool> ecdsaKey, TimeSpan helloTimeout, Action<string> refused)
{
    /// <summary>Kestrel connection middleware for before <c>UseHttps</c>.</summary>
    public ConnectionDelegate BeforeTls(ConnectionDelegate next) => connection => ScreenHelloAsync(connection, next);

    /// <summary>Kestrel connection middleware for after <c>UseHttps</c>: the negotiated suite is checked.</summary>
    public ConnectionDelegate AfterTls(ConnectionDelegate next) => connection =>
    {
        if (connection.Features.Get<ITlsHandshakeFeature>()?.NegotiatedCipherSuite is { } suite && !TlsPolicy.IsAead(suite))
        {
            refused($"the negotiated cipher suite {suite} is not an AEAD suite");
            connection.Abort(new ConnectionAbortedException("not an AEAD cipher suite"));
            return Task.CompletedTask;
        }

        return next(connection);
    };

    private async Task ScreenHelloAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var transport = connection.Transport;
        var input = transport.Input;
        using var deadline = new CancellationTokenSource(helloTimeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, connection.ConnectionClosed);
        var waited = false;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(linked.Token);
            }
            catch (OperationCanceledException)
            {
                // Silent or gone before its ClientHello was in: nothing to answer.
                return;
            }

            var buffer = result.Buffer;
            var (complete, aead) = Screen(buffer, ecdsaKey);
            if (!complete && !result.IsCompleted)
            {
                // Wait for the rest; from here on these bytes can only be handed on by replaying them.
                input.AdvanceTo(buffer.Start, buffer.End);
                waited = true;
                continue;
            }

            if (complete && !aead)
            {
                input.AdvanceTo(buffer.End);
                refused("the client offers no AEAD cipher suite");
                await transport.Output.WriteAsync(TlsPolicy.HandshakeFailureAlert, linked.Token);
                return;
            }

            if (!waited)
            {
                // The usual case, all of it in one read: left unread for the TLS middleware.
                input.AdvanceTo(buffer.Start);
                break;
            }

            var replay = buffer.ToArray();
            input.AdvanceTo(buffer.End);
            connection.Transport = new ReplayedTransport(new ReplayPipeReader(replay, input), transport.Output);
            break;
        }

        try
        {
            await next(connection);
        }
        finally
        {
            connection.Transport = transport;
        }
    }

    /// <summary>Whether <paramref name="buffer"/> holds the whole first record, and if so whether it lets an AEAD suite be chosen.</summary>
    private static (bool Complete, bool Aead) Screen(ReadOnlySequence<byte> buffer, Func<bool> ecdsaKey)
    {
        var hello = buffer.Length > ClientHello.MaxRecord ? buffer.Slice(0, ClientHello.MaxRecord) : buffer;
        ReadOnlySpan<byte> bytes = hello.IsSingleSegment ? hello.FirstSpan : hello.ToArray();
        return ClientHello.Read(bytes, out _, out _) == ClientHelloResult.NeedMore
            ? (false, false)
            : (true, TlsPolicy.OffersAead(bytes, ecdsaKey()));
    }

    private sealed class ReplayedTransport(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;

        public PipeWriter Output => output;
    }
}
