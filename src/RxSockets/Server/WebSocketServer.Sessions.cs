using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Tasks;

using RxSockets.Protocol;

namespace RxSockets;

/// <summary>One accepted socket: the opening handshake, then the handler, then cleanup.</summary>
public sealed partial class WebSocketServer
{
    /// <summary>Runs one accepted socket; never throws. <paramref name="active"/> is <see cref="_active"/> counting it.</summary>
    private async Task RunSessionAsync(Socket socket, int active)
    {
        await ThreadPoolSwitch.Yield(); // off the accept loop
        ITransport? transport = null;
        WebSocketConnection? connection = null;
        using HandshakeTelemetry telemetry = RxSocketsTelemetry.StartHandshake(_options.MeterFactory, _options.TimeProvider);
        try
        {
            bool overRate = _handshakeRate is not null && !_handshakeRate.TryTake();
            if (overRate && _options.Tls is not null)
            {
                socket.Close(0); // no TLS handshake is spent on a client over the limit, so no HTTP answer either
                telemetry.Failed("rate_limited");
                return;
            }

            transport = _options.Tls is null
                ? new SocketTransport(socket, _options.UseSocketPoller ? SocketPoller.Next(_options.SocketPollerThreads) : null, _options.TimeProvider)
                : await AcceptTlsAsync(socket).ConfigureAwait(false);
            if (transport is null)
            {
                telemetry.Failed("tls");
                return;
            }

            if (overRate)
            {
                var retry = new HttpHeaders();
                retry.Add("Retry-After", "1");
                await RespondAsync(transport, HandshakeResponse.CreateError(429, "Too many handshakes; try again later.", retry), null, telemetry).ConfigureAwait(false);
                return;
            }

            if (_options.MaxConnections > 0 && active > _options.MaxConnections)
            {
                await RespondAsync(transport, HandshakeResponse.CreateError(503, "Too many connections; try again later."), null, telemetry).ConfigureAwait(false);
                return;
            }

            connection = await HandshakeAsync(transport, telemetry).ConfigureAwait(false);
            if (connection is null)
            {
                return;
            }

            try
            {
                await WebSocketHandler.RunAsync(connection, _handler, _logger, _shutdown.Token, callerCancelsOnStop: true).ConfigureAwait(false);
            }
            finally
            {
                _connections.TryRemove(connection, out _);
                Notify(_left, connection);
            }
        }
        catch (Exception ex)
        {
            Log.InternalError(_logger, connection?.Id ?? "-", ex);
        }
        finally
        {
            if (connection is null)
            {
                if (transport is null)
                {
                    socket.Dispose();
                }
                else
                {
                    await DisposeQuietlyAsync(transport).ConfigureAwait(false);
                }
            }

            if (Interlocked.Decrement(ref _active) == 0 && _shutdown.IsCancellationRequested && _acceptLoop.IsCompleted)
            {
                _drained.TrySetResult();
            }
        }
    }

    /// <summary>Runs the TLS handshake within the open timeout; returns null (and drops the socket) if it fails.</summary>
    private async Task<ITransport?> AcceptTlsAsync(Socket socket)
    {
        socket.NoDelay = true;
        string? remote = socket.RemoteEndPoint?.ToString();
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        using var timeout = new CancellationTokenSource(_options.OpenTimeout, _options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _shutdown.Token);
        try
        {
            await tls.AuthenticateAsServerAsync(_options.Tls!, linked.Token).ConfigureAwait(false);
            return new StreamTransport(tls, socket);
        }
        catch (Exception ex) when (ex is AuthenticationException or System.IO.IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            Log.HandshakeRejected(_logger, remote, 0, "TLS handshake failed: " + ex.Message);
            await tls.DisposeAsync().ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>
    /// Reads and answers the opening handshake within the open timeout; returns the started
    /// connection, or null if it was answered with plain HTTP or dropped. <paramref name="abandon"/>
    /// (a caller's token, for connections handed to <see cref="RunAcceptedAsync(IDuplexPipe, System.Net.EndPoint?, System.Net.EndPoint?, CancellationToken)"/>)
    /// drops the handshake without an answer.
    /// </summary>
    private async Task<WebSocketConnection?> HandshakeAsync(ITransport transport, HandshakeTelemetry telemetry, CancellationToken abandon = default)
    {
        using var timeout = new CancellationTokenSource(_options.OpenTimeout, _options.TimeProvider);
        using CancellationTokenSource linked = abandon.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _shutdown.Token, abandon)
            : CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _shutdown.Token);
        string? remote = transport.RemoteEndPoint?.ToString();
        HandshakeRequest? request;
        try
        {
            request = await ReadRequestAsync(transport, telemetry, linked.Token).ConfigureAwait(false);
            if (request is null)
            {
                telemetry.Failed("closed");
                return null; // the client went away before sending a whole request (or got an error answer)
            }

            telemetry.SetRequest(request);

            // Off the socket's receive loop, which ran the read inline (SocketTransport): what follows
            // runs user code (ProcessRequest, Joined observers, the handler) that may block.
            await _options.Execution.Yield();

            if (_shutdown.IsCancellationRequested)
            {
                await RespondAsync(transport, HandshakeResponse.CreateError(503, "The server is shutting down."), remote, telemetry).ConfigureAwait(false);
                return null;
            }

            if (_options.ProcessRequest is { } process)
            {
                HandshakeResponse? answer;
                try
                {
                    answer = await process(request, linked.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The application's bug: the client gets an answer, without details, not a dropped connection.
                    Log.ProcessRequestFailed(_logger, remote, ex);
                    answer = HandshakeResponse.CreateError(500, "Internal Server Error");
                }

                if (answer is not null)
                {
                    await RespondAsync(transport, answer, remote, telemetry).ConfigureAwait(false);
                    return null;
                }
            }

            ServerHandshakeResult result = _handshake.Negotiate(request);
            if (!result.IsAccepted)
            {
                await RespondAsync(transport, result.Response, remote, telemetry).ConfigureAwait(false);
                return null;
            }

            // Register before answering 101, so a client whose ConnectAsync returned is already in
            // Connections and reached by Broadcast. Until the 101 is flushed this session holds the
            // connection's output: what is sent to it meanwhile (by a Joined observer, a broadcast
            // from another thread, a close at shutdown) is queued, and written after the 101 once
            // Start lets go. Written before, it would reach the client ahead of the 101 (#15).
            var connection = new WebSocketConnection(transport, ConnectionSide.Server, _options, request, result.Subprotocol, result.Compression);
            connection.Outbox.HoldForHandshake();
            _connections.TryAdd(connection, 0);
            Notify(_joined, connection);
            try
            {
                result.Response.WriteTo(transport.Output);
                await transport.Output.FlushAsync(linked.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _connections.TryRemove(connection, out _);
                connection.AbandonHandshake(ex); // what was queued for it fails: its senders are told
                Notify(_left, connection);
                throw;
            }

            telemetry.Accepted(101, result.Subprotocol);
            connection.Start();
            return connection;
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
        {
            await RespondAsync(transport, HandshakeResponse.CreateError(503, "The server is shutting down."), remote, telemetry).ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException) when (abandon.IsCancellationRequested)
        {
            telemetry.Failed("aborted");
            return null;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            // A client that trickles bytes (slowloris) or never sends: drop it without an answer.
            Log.HandshakeRejected(_logger, remote, 0, "open timeout");
            telemetry.Failed("timeout");
            return null;
        }
        catch (Exception ex) when (ex is System.IO.IOException or SocketException or ObjectDisposedException)
        {
            telemetry.Failed("reset");
            return null; // reset during the handshake
        }
    }

    /// <summary>Reads one HTTP request head; answers malformed or oversized ones (400, 414, 431, 505) and returns null.</summary>
    private async Task<HandshakeRequest?> ReadRequestAsync(ITransport transport, HandshakeTelemetry telemetry, CancellationToken cancellationToken)
    {
        var parser = new HttpMessageParser(_options.Limits);
        PipeReader input = transport.Input;
        while (true)
        {
            ReadResult read = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = read.Buffer;
            HttpParseResult result = parser.ParseRequest(buffer, out SequencePosition consumed, out SequencePosition examined, out HandshakeRequest? request, out HttpParseError error);
            input.AdvanceTo(consumed, examined);
            switch (result)
            {
                case HttpParseResult.Done:
                    return request;
                case HttpParseResult.Error:
                    await RespondAsync(transport, _handshake.Reject(error).Response, transport.RemoteEndPoint?.ToString(), telemetry).ConfigureAwait(false);
                    return null;
                default:
                    if (read.IsCompleted)
                    {
                        return null;
                    }

                    break;
            }
        }
    }

    /// <summary>Writes a plain HTTP response (it carries <c>Connection: close</c>) and closes the transport.</summary>
    private async Task RespondAsync(ITransport transport, HandshakeResponse response, string? remote, HandshakeTelemetry telemetry)
    {
        Log.HandshakeRejected(_logger, remote, response.StatusCode, response.ReasonPhrase);
        telemetry.Rejected(response.StatusCode, response.ReasonPhrase);
        try
        {
            response.WriteTo(transport.Output);
            using var timeout = new CancellationTokenSource(_options.CloseTimeout, _options.TimeProvider);
            await transport.Output.FlushAsync(timeout.Token).ConfigureAwait(false);
            await transport.CloseOutputAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is System.IO.IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client is gone or does not read: nothing more to tell it.
        }
    }

    private static async Task DisposeQuietlyAsync(ITransport transport)
    {
        try
        {
            await transport.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is System.IO.IOException or SocketException or ObjectDisposedException)
        {
            // Already reset by the peer.
        }
    }
}
