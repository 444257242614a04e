using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;

using RxSockets.Protocol;

namespace RxSockets.Testing;

/// <summary>
/// The client half of the opening handshake over an in-memory pipe, with the engine's
/// <see cref="ClientHandshake"/>: writes the request a <see cref="WebSocketClient"/> would write
/// for these options, reads and validates the answer within the open timeout (on the options'
/// clock), and starts the client connection over the same pipe
/// (<see cref="WebSocketConnection.CreateFromPipe"/>). Failures are the client's: a
/// <see cref="HandshakeRejectedException"/> for another status than 101, a
/// <see cref="HandshakeException"/> otherwise.
/// </summary>
internal static class VirtualClientHandshake
{
    public static async Task<WebSocketConnection> ConnectAsync(InMemoryDuplexPipe transport, Uri uri, WebSocketClientOptions options)
    {
        HttpHeaders? extra = null;
        if (options.Headers.Count > 0)
        {
            extra = new HttpHeaders();
            foreach (KeyValuePair<string, string> header in options.Headers)
            {
                extra.Add(header.Key, header.Value);
            }
        }

        var handshake = new ClientHandshake(uri)
        {
            Origin = options.Origin,
            UserAgent = options.UserAgent,
            Subprotocols = options.Subprotocols,
            ExtraHeaders = extra,
            Compression = options.Compression,
        };

        using var timeout = new CancellationTokenSource(options.OpenTimeout, options.TimeProvider);
        try
        {
            handshake.WriteRequest(transport.Output);
            await transport.Output.FlushAsync(timeout.Token).ConfigureAwait(false);
            ClientHandshakeResult result = await ReadResponseAsync(transport.Input, handshake, options, timeout.Token).ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                throw result.IsRejected
                    ? new HandshakeRejectedException(result.StatusCode, result.Response.ReasonPhrase, [.. result.Headers], result.Body)
                    : new HandshakeException($"Invalid handshake response: {result.FailureReason}");
            }

            return WebSocketConnection.CreateFromPipe(transport, ConnectionSide.Client, options, new UpgradeResult
            {
                Request = handshake.CreateRequest(),
                Subprotocol = result.Subprotocol,
                Compression = result.Compression,
            });
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested)
        {
            transport.Abort();
            throw new HandshakeException($"The opening handshake timed out after {options.OpenTimeout.TotalSeconds:0.###} s of virtual time.", HandshakeFailure.Timeout, ex);
        }
        catch
        {
            transport.Abort();
            throw;
        }
    }

    private static async Task<ClientHandshakeResult> ReadResponseAsync(PipeReader input, ClientHandshake handshake, WebSocketOptions options, CancellationToken cancellationToken)
    {
        var parser = new HttpMessageParser(options.Limits);
        while (true)
        {
            ReadResult read = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            HttpParseResult parsed = parser.ParseResponse(read.Buffer, out SequencePosition consumed, out SequencePosition examined, out HandshakeResponse? response, out HttpParseError error);
            input.AdvanceTo(consumed, examined);
            if (parsed == HttpParseResult.Error)
            {
                throw new HandshakeException($"Malformed handshake response: {error.Reason}");
            }

            if (parsed == HttpParseResult.Done)
            {
                ReadOnlySequence<byte> body = response!.StatusCode == 101 ? default : await ReadBodyAsync(input, response, cancellationToken).ConfigureAwait(false);
                return handshake.ValidateResponse(response, body);
            }

            if (read.IsCompleted)
            {
                throw new HandshakeException("The server closed the connection during the handshake.", HandshakeFailure.ServerClosed);
            }
        }
    }

    private static async Task<ReadOnlySequence<byte>> ReadBodyAsync(PipeReader input, HandshakeResponse response, CancellationToken cancellationToken)
    {
        int wanted = ClientHandshakeResult.MaxBodyLength;
        if (int.TryParse(response.Headers.GetFirst("Content-Length"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int length))
        {
            wanted = Math.Min(length, wanted);
        }

        while (true)
        {
            ReadResult read = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (read.Buffer.Length >= wanted || read.IsCompleted)
            {
                byte[] body = read.Buffer.Slice(0, Math.Min(read.Buffer.Length, wanted)).ToArray();
                input.AdvanceTo(read.Buffer.End);
                return new ReadOnlySequence<byte>(body);
            }

            input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }
}
