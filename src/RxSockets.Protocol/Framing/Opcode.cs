namespace RxSockets.Protocol;

/// <summary>Frame opcodes defined by RFC 6455 §5.2 (3–7 and 11–15 are reserved).</summary>
public enum Opcode : byte
{
    /// <summary>0x0: a continuation of a fragmented data message.</summary>
    Continuation = 0x0,

    /// <summary>0x1: the first frame of a text message (UTF-8).</summary>
    Text = 0x1,

    /// <summary>0x2: the first frame of a binary message.</summary>
    Binary = 0x2,

    /// <summary>0x8: a close frame.</summary>
    Close = 0x8,

    /// <summary>0x9: a ping.</summary>
    Ping = 0x9,

    /// <summary>0xA: a pong.</summary>
    Pong = 0xA,
}
