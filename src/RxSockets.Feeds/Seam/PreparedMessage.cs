using System;

namespace RxSockets;

/// <summary>
/// TEMPORARY stand-in for the core's public <c>RxSockets.PreparedMessage</c> (a data message
/// framed once and sent as the same bytes to many connections), which the core is adding. When
/// the core's type is merged, this file and the SendAsync-based <see cref="ConnectionOutlet"/>
/// path go (the build fails with CS0436 until then, on purpose).
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
internal sealed class PreparedMessage
{
    /// <summary>Wraps <paramref name="message"/>.</summary>
    /// <param name="message">A text or binary message.</param>
    public PreparedMessage(Message message) => Message = message;

    /// <summary>The message.</summary>
    public Message Message { get; }
}
