namespace RxSockets;

/// <summary>Which end of a WebSocket connection an engine plays (RFC 6455 §5.1: clients mask, servers do not).</summary>
public enum ConnectionSide
{
    /// <summary>The client: masks every frame it sends and rejects masked frames it receives.</summary>
    Client,

    /// <summary>The server: sends unmasked frames and rejects unmasked frames it receives.</summary>
    Server,
}
