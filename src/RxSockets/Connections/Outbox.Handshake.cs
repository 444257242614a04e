using System.Diagnostics;

namespace RxSockets;

/// <summary>The outbox held for a server's 101 response, so nothing overtakes it.</summary>
internal sealed partial class Outbox
{
    /// <summary>
    /// Takes the output for the opening handshake's response, before the connection can be reached
    /// (a server registers it, and tells <c>Joined</c> observers, before it writes its 101, so that a
    /// client whose <c>ConnectAsync</c> returned is already reached by broadcasts). Whatever is
    /// submitted meanwhile finds the output held, as behind any other writer: it is queued, never
    /// written on the submitter's thread nor sent straight to the socket, and no drain starts;
    /// the engine's own frames wait too. <see cref="EndHandshakeHold"/> lets go once the 101 is
    /// flushed, and the drain writes the queue after it, in order. Nothing is added to the send
    /// path: it already yields to whoever holds <see cref="_writing"/>.
    /// </summary>
    public void HoldForHandshake()
    {
        lock (_lock)
        {
            Debug.Assert(!_writing && _count == 0, "nothing was sent before the handshake");
            _writing = _handshakeHold = true;
        }
    }

    /// <summary>Lets go of the output held by <see cref="HoldForHandshake"/> (if it is): what was queued meanwhile is written now, after the 101. Idempotent.</summary>
    public void EndHandshakeHold()
    {
        lock (_lock)
        {
            if (!_handshakeHold)
            {
                return;
            }

            _handshakeHold = false;
        }

        ReleaseWriter();
    }
}
