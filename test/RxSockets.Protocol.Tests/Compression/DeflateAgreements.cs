using System.Collections.Generic;
using NUnit.Framework;

namespace RxSockets.Protocol.Tests;

/// <summary>Builds negotiated agreements the way the handshakes do, for engine tests.</summary>
internal static class DeflateAgreements
{
    public static PerMessageDeflateOptions NoThreshold { get; } = new() { Threshold = 0 };

    /// <summary>Parses one <c>Sec-WebSocket-Extensions</c> element.</summary>
    public static ExtensionOffer Parse(string header)
    {
        Assert.That(ExtensionOffer.TryParseList([header], out IReadOnlyList<ExtensionOffer> list), Is.True, header);
        Assert.That(list, Has.Count.EqualTo(1));
        return list[0];
    }

    /// <summary>Negotiates as a client offering <paramref name="client"/> to a server configured with <paramref name="server"/>.</summary>
    public static (PerMessageDeflate Client, PerMessageDeflate Server) Negotiate(PerMessageDeflateOptions? client = null, PerMessageDeflateOptions? server = null)
    {
        client ??= NoThreshold;
        server ??= NoThreshold;
        ExtensionOffer offer = PerMessageDeflate.CreateOffer(client);
        Assert.That(PerMessageDeflate.TryAccept([offer], server, out PerMessageDeflate? serverSide, out ExtensionOffer? response), Is.True);
        Assert.That(PerMessageDeflate.TryAcceptResponse(response!, client, out PerMessageDeflate? clientSide, out string? error), Is.True, error);
        return (clientSide!, serverSide!);
    }

    /// <summary>The server's agreement for an offer written as a header element.</summary>
    public static PerMessageDeflate Accept(string offer, PerMessageDeflateOptions? server = null)
    {
        Assert.That(PerMessageDeflate.TryAccept([Parse(offer)], server ?? NoThreshold, out PerMessageDeflate? agreed, out _), Is.True, offer);
        return agreed!;
    }

    /// <summary>The client's agreement for a server answer written as a header element.</summary>
    public static PerMessageDeflate AcceptResponse(string response, PerMessageDeflateOptions? client = null)
    {
        Assert.That(PerMessageDeflate.TryAcceptResponse(Parse(response), client ?? NoThreshold, out PerMessageDeflate? agreed, out string? error), Is.True, error);
        return agreed!;
    }
}
