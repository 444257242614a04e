namespace RxSockets.Protocol;

/// <summary>
/// What one call to <see cref="HttpMessageParser"/> achieved, in the spirit of
/// <see cref="System.Buffers.OperationStatus"/>.
/// </summary>
public enum HttpParseResult
{
    /// <summary>
    /// The head is not complete yet. Nothing was consumed; everything was examined. Call again with the
    /// same bytes plus more.
    /// </summary>
    NeedMoreData = 0,

    /// <summary>
    /// The whole head, up to and including the empty line, was parsed and consumed. Bytes after it
    /// (for example the first WebSocket frames) were neither consumed nor examined.
    /// </summary>
    Done = 1,

    /// <summary>The head is malformed or over a limit; the error says which, and with what HTTP status.</summary>
    Error = 2,
}
