using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace RxSockets.Tests;

/// <summary>Two connected sockets, for tests that run a connection or a session over a stream of their own.</summary>
internal static class SocketPairs
{
    /// <summary>A TCP connection over loopback.</summary>
    /// <returns>The connecting end and the accepted end.</returns>
    public static Task<(Socket Connecting, Socket Accepted)> TcpAsync() =>
        ConnectAsync(new IPEndPoint(IPAddress.Loopback, 0), AddressFamily.InterNetwork, ProtocolType.Tcp);

    /// <summary>A Unix domain socket connection through the socket file at <paramref name="path"/> (the caller deletes it).</summary>
    /// <returns>The connecting end and the accepted end.</returns>
    public static Task<(Socket Connecting, Socket Accepted)> UnixAsync(string path) =>
        ConnectAsync(new UnixDomainSocketEndPoint(path), AddressFamily.Unix, ProtocolType.Unspecified);

    private static async Task<(Socket Connecting, Socket Accepted)> ConnectAsync(EndPoint bindTo, AddressFamily family, ProtocolType protocol)
    {
        using var listener = new Socket(family, SocketType.Stream, protocol);
        listener.Bind(bindTo);
        listener.Listen();
        var connecting = new Socket(family, SocketType.Stream, protocol);
        Task connected = connecting.ConnectAsync(listener.LocalEndPoint!);
        Socket accepted = await listener.AcceptAsync().Within();
        await connected.Within();
        return (connecting, accepted);
    }
}
