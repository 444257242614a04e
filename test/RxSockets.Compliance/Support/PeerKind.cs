namespace RxSockets.Compliance;

/// <summary>A real WebSocket implementation the interop tests run against.</summary>
public enum PeerKind
{
    /// <summary>python <c>websockets</c> from Debian's python3-websockets, run by /usr/bin/python3.</summary>
    Python,

    /// <summary>Node's <c>ws</c>, pinned in peers/package-lock.json, installed with <c>npm ci</c>.</summary>
    Node,
}
