using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text;
using RxSockets.Protocol;

namespace RxSockets.Benchmarks;

/// <summary>
/// Rough memory per connection for each permessage-deflate mode (docs/architecture.md): opens
/// 1,000 server engines, has each receive and send one compressed 4 KiB message, and divides
/// the growth of the process' resident set (zlib's memory is native, so GC counters miss it).
/// Run with <c>dotnet run -c Release --project test/RxSockets.Benchmarks -- --deflate-memory</c>.
/// </summary>
public static class DeflateMemoryReport
{
    private const int Connections = 1000;

    public static void Run()
    {
        Console.WriteLine("mode                                         KiB per connection");
        Measure("off (no compression)", null);
        Measure("15/15 bits, memLevel 8, context takeover", new PerMessageDeflateOptions { Threshold = 0 });
        Measure("12/12 bits, memLevel 5, context takeover", new PerMessageDeflateOptions { Threshold = 0, ServerMaxWindowBits = 12, ClientMaxWindowBits = 12, MemoryLevel = 5 });
        Measure("15/15 bits, no context takeover (idle)", new PerMessageDeflateOptions { Threshold = 0, ServerContextTakeover = false, ClientContextTakeover = false });
    }

    private static void Measure(string mode, PerMessageDeflateOptions? options)
    {
        PerMessageDeflate? server = null;
        PerMessageDeflate? client = null;
        if (options is not null)
        {
            PerMessageDeflate.TryAccept([PerMessageDeflate.CreateOffer(options)], options, out server, out ExtensionOffer? response);
            PerMessageDeflate.TryAcceptResponse(response!, options, out client, out _);
        }

        byte[] message = Encoding.UTF8.GetBytes(string.Concat(System.Linq.Enumerable.Repeat("{\"seq\":1,\"symbol\":\"MSFT\"} ", 160)))[..4096];
        var incoming = new ArrayBufferWriter<byte>();
        using (var peer = new ProtocolConnection(ConnectionSide.Client, null, null, client))
        {
            peer.SendBinary(message, incoming);
        }

        var frame = new ReadOnlySequence<byte>(incoming.WrittenMemory);
        var sink = new ArrayBufferWriter<byte>(64 * 1024);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = Process.GetCurrentProcess().WorkingSet64;
        var engines = new List<ProtocolConnection>(Connections);
        for (int i = 0; i < Connections; i++)
        {
            var engine = new ProtocolConnection(ConnectionSide.Server, null, null, server);
            engine.ReceiveData(frame, out _, out _);
            engine.TryReadEvent(out _);
            sink.ResetWrittenCount();
            engine.SendBinary(message, sink);
            engines.Add(engine);
        }

        GC.Collect();
        long after = Process.GetCurrentProcess().WorkingSet64;
        Console.WriteLine($"{mode,-44} {(after - before) / 1024.0 / Connections,8:0.0}");
        foreach (ProtocolConnection engine in engines)
        {
            engine.Dispose();
        }
    }
}
