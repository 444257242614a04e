using System;
using NUnit.Framework;

namespace RxSockets.Feeds.Tests;

[TestFixture]
public sealed class TopicLogTests
{
    private static readonly PreparedMessage s_frame = new(Message.FromText("x"));

    [Test]
    public void Append_BeyondCapacity_KeepsTheNewest()
    {
        var log = new TopicLog(3);
        for (long seq = 1; seq <= 5; seq++)
        {
            log.Append(new FeedEntry(seq, s_frame, null, 0));
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(log.Count, Is.EqualTo(3));
            Assert.That(log.OldestSeq, Is.EqualTo(3));
            Assert.That(log.NewestSeq, Is.EqualTo(5));
            Assert.That(log.Get(3).Seq, Is.EqualTo(3));
            Assert.That(log.Newest!.Seq, Is.EqualTo(5));
        }
    }

    [Test]
    public void Empty_OldestIsNewestPlusOne()
    {
        var log = new TopicLog(4);
        Assert.That((log.Count, log.NewestSeq, log.OldestSeq, log.Newest), Is.EqualTo((0, 0L, 1L, (FeedEntry?)null)));
    }

    [Test]
    public void TrimByAge_DropsOlderEntriesButNeverTheNewest()
    {
        var clock = new VirtualClock();
        var log = new TopicLog(10);
        log.Append(new FeedEntry(1, s_frame, null, clock.Time.GetTimestamp()));
        clock.AdvanceBy(50);
        log.Append(new FeedEntry(2, s_frame, null, clock.Time.GetTimestamp()));
        clock.AdvanceBy(50);

        log.TrimByAge(clock.Time, clock.Time.GetTimestamp(), VirtualClock.Ticks(60));
        Assert.That(log.OldestSeq, Is.EqualTo(2), "100 ticks old: dropped; 50: kept");

        clock.AdvanceBy(1000);
        log.TrimByAge(clock.Time, clock.Time.GetTimestamp(), TimeSpan.Zero);
        Assert.That((log.Count, log.OldestSeq), Is.EqualTo((1, 2L)), "the newest stays");
    }
}

[TestFixture]
public sealed class KeyTableTests
{
    [Test]
    public void Update_KeepsTheNewestPerKeyInSequenceOrder()
    {
        var table = new KeyTable(10);
        string[] keys = ["a", "b", "a", "c", "b"];
        for (int i = 0; i < keys.Length; i++)
        {
            table.Update(Entry(i + 1, keys[i]));
        }

        Owed[] batch = new Owed[8];
        int count = 0;
        table.CopyFrom(1, long.MaxValue, batch, ref count);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(table.Count, Is.EqualTo(3));
            Assert.That(batch[..count], Has.Exactly(3).Items);
            Assert.That(Array.ConvertAll(batch[..count], o => o.Seq), Is.EqualTo(new long[] { 3, 4, 5 }));
        }
    }

    [Test]
    public void CopyFrom_OnlyEntriesFromTheSequenceOn_AsManyAsFit()
    {
        var table = new KeyTable(10);
        for (int i = 1; i <= 6; i++)
        {
            table.Update(Entry(i, $"k{i}"));
        }

        Owed[] batch = new Owed[2];
        int count = 0;
        table.CopyFrom(3, long.MaxValue, batch, ref count);

        Assert.That(Array.ConvertAll(batch, o => o.Seq), Is.EqualTo(new long[] { 3, 4 }));
    }

    [Test]
    public void Update_MoreKeysThanTheLimit_ForgetsTheOneUpdatedLongestAgo()
    {
        var table = new KeyTable(2);
        table.Update(Entry(1, "a"));
        table.Update(Entry(2, "b"));
        table.Update(Entry(3, "a"));
        table.Update(Entry(4, "c")); // b is the one updated longest ago

        Owed[] batch = new Owed[4];
        int count = 0;
        table.CopyFrom(1, long.MaxValue, batch, ref count);

        Assert.That(Array.ConvertAll(batch[..count], o => o.Seq), Is.EqualTo(new long[] { 3, 4 }));
    }

    private static FeedEntry Entry(long seq, string key) => new(seq, new PreparedMessage(Message.FromText(key)), key, 0);
}
