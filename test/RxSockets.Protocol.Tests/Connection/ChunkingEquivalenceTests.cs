using System;
using System.Collections.Generic;
using System.Linq;
using NUnit.Framework;

namespace RxSockets.Protocol.Tests;

/// <summary>
/// Every input of the engine fixtures, fed whole, one byte at a time and in random splits, gives
/// the same events and the same output: the parser's outcome never depends on chunking.
/// </summary>
[TestFixture]
public sealed class ChunkingEquivalenceTests
{
    private static IEnumerable<TestCaseData> Cases()
    {
        // (side, hex input, what it exercises)
        (ConnectionSide, string, string)[] cases =
        [
            (ConnectionSide.Server, "818537fa213d7f9f4d5158", "masked text"),
            (ConnectionSide.Server, "810548656c6c6f", "unmasked frame to server"),
            (ConnectionSide.Client, "818537fa213d7f9f4d5158", "masked frame to client"),
            (ConnectionSide.Client, "8300", "reserved opcode"),
            (ConnectionSide.Client, "c100", "RSV1"),
            (ConnectionSide.Client, "827f8000000000000000", "64-bit length top bit"),
            (ConnectionSide.Client, "897e007e" + new string('0', 252), "ping over 125"),
            (ConnectionSide.Client, "0900", "fragmented ping"),
            (ConnectionSide.Client, "010348656c" + "890170" + "80026c6f", "ping between fragments"),
            (ConnectionSide.Client, "0100" + "0000" + "8000", "empty fragments"),
            (ConnectionSide.Client, "800161", "unexpected continuation"),
            (ConnectionSide.Client, "010161" + "810162", "expected continuation"),
            (ConnectionSide.Client, "8102c0af", "overlong UTF-8"),
            (ConnectionSide.Client, "010ecebae1bdb9cf83cebcceb5eda080", "surrogate in first fragment"),
            (ConnectionSide.Client, "0102f09f" + "000198" + "800180", "character across three frames"),
            (ConnectionSide.Client, "0102f09f" + "800198", "message ends inside a character"),
            (ConnectionSide.Client, "880403e86f6b" + "810161", "close then data"),
            (ConnectionSide.Client, "8800", "empty close"),
            (ConnectionSide.Client, "880103", "1-byte close"),
            (ConnectionSide.Client, "880203ed", "close 1005 on the wire"),
            (ConnectionSide.Client, "880403e8c0af", "close reason not UTF-8"),
            (ConnectionSide.Client, "890131890132890133", "three pings"),
            (ConnectionSide.Client, "8a026869", "unsolicited pong"),
            (ConnectionSide.Client, "827e0100" + new string('a', 512), "16-bit length"),
        ];
        return cases.Select(c => new TestCaseData(c.Item1, c.Item2).SetArgDisplayNames(c.Item3));
    }

    [TestCaseSource(nameof(Cases))]
    public void Feed_AnyChunking_SameEventsAndOutput(ConnectionSide side, string hex)
    {
        byte[] input = Hex.Bytes(hex);
        (string Events, string Output, ConnectionState State) whole = Run(side, d => d.Feed(input));

        (string, string, ConnectionState) byteByByte = Run(side, d => d.Feed(input, 1));

        Assert.That(byteByByte, Is.EqualTo(whole));
        for (int seed = 0; seed < 20; seed++)
        {
            Assert.That(Run(side, d => d.FeedRandomly(input, new Random(seed))), Is.EqualTo(whole), $"seed {seed}");
        }
    }

    private static (string Events, string Output, ConnectionState State) Run(ConnectionSide side, Action<EngineDriver> feed)
    {
        var driver = new EngineDriver(side);
        feed(driver);
        return (string.Join("; ", driver.Events), Hex.Of(driver.TakeOutput()), driver.Engine.State);
    }
}
