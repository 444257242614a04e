using System;
using System.Linq;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Tests;

[TestFixture]
[CancelAfter(30_000)]
public sealed class SmokeTests
{
    [Test]
    public async Task SendAsync_ReceiveAsync_RoundTrip()
    {
        await using var pair = ConnectionPair.Create();

        await pair.Client.SendAsync("hello");
        Message received = await pair.Server.ReceiveAsync();
        await pair.Server.SendAsync(new byte[] { 1, 2, 3 });
        Message back = await pair.Client.ReceiveAsync();

        Assert.That(received.Text, Is.EqualTo("hello"));
        Assert.That(back.Data.ToArray(), Is.EqualTo(new byte[] { 1, 2, 3 }));
    }

    [Test]
    public async Task CloseAsync_FromClient_CompletesBothIncomingStreams()
    {
        await using var pair = ConnectionPair.Create();
        Task<System.Collections.Generic.IList<Message>> serverMessages = pair.Server.ToList().ToTask();

        await pair.Client.SendAsync("a");
        await pair.Client.CloseAsync();
        var messages = await serverMessages;

        Assert.That(messages.Select(m => m.Text), Is.EqualTo(new[] { "a" }));
        Assert.That(pair.Client.ClosedException!.IsNormal, Is.True);
        await pair.Server.Completion;
        Assert.That(pair.Server.ClosedException!.Received?.Code, Is.EqualTo(CloseCode.NormalClosure));
        Assert.That(pair.Server.ClosedException.ReceivedThenSent, Is.True);
    }

    [Test]
    public async Task Echo_FromInsideOnNext_Works()
    {
        await using var pair = ConnectionPair.Create();
        using var echo = pair.Server.Subscribe(m => pair.Server.OnNext(m));

        await pair.Client.SendAsync("ping 1");
        await pair.Client.SendAsync("ping 2");

        Assert.That((await pair.Client.ReceiveAsync()).Text, Is.EqualTo("ping 1"));
        Assert.That((await pair.Client.ReceiveAsync()).Text, Is.EqualTo("ping 2"));
    }
}
