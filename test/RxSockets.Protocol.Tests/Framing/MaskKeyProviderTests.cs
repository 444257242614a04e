using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;

namespace RxSockets.Protocol.Tests;

[TestFixture]
[Description("RFC 6455 §5.3")]
public sealed class MaskKeyProviderTests
{
    [Test]
    public void FixedMaskKeyProvider_NextMaskKey_AlwaysReturnsGivenKey()
    {
        var provider = new FixedMaskKeyProvider(0x3d21fa37);

        Assert.That(Enumerable.Range(0, 5).Select(_ => provider.NextMaskKey()), Is.All.EqualTo(0x3d21fa37));
        Assert.That(provider.MaskKey, Is.EqualTo(0x3d21fa37));
    }

    [Test]
    public void RandomMaskKeyProvider_ManyKeysAcrossPoolRefills_AreNotRepeated()
    {
        // 10,000 keys span five 8 KiB pools; among 2^32 values a repeat is ~1 % likely per run,
        // so allow a handful rather than demand uniqueness.
        var keys = new HashSet<int>();
        for (int i = 0; i < 10_000; i++)
        {
            keys.Add(RandomMaskKeyProvider.Shared.NextMaskKey());
        }

        Assert.That(keys, Has.Count.GreaterThan(9_990));
    }

    [Test]
    public void RandomMaskKeyProvider_UsedFromManyThreads_GivesDistinctKeys()
    {
        int[][] perThread = new int[8][];
        Parallel.For(0, perThread.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, t =>
        {
            perThread[t] = Enumerable.Range(0, 3_000).Select(_ => RandomMaskKeyProvider.Shared.NextMaskKey()).ToArray();
        });

        int distinct = perThread.SelectMany(k => k).Distinct().Count();
        Assert.That(distinct, Is.GreaterThan(23_900));
    }
}
