using System;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>Runs an Rx handler's stream as <see cref="WebSocketServer"/> does: the connection is subscribed to it until the connection closes.</summary>
internal static class RxHandler
{
    public static async Task RunAsync(WebSocketConnection connection, IObservable<Message>? outgoing)
    {
        if (outgoing is null)
        {
            throw new InvalidOperationException("The Rx handler returned null instead of an observable.");
        }

        using (outgoing.Subscribe(connection))
        {
            await connection.Completion.ConfigureAwait(false);
        }
    }
}
