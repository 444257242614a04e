using System.Collections.Generic;

namespace RxSockets;

/// <summary>
/// The newest entry of every key of a keyed topic, ordered by sequence number (a key that changes
/// moves to the end), bounded by a key count: the snapshot of a keyed topic and what a slow
/// subscriber under <see cref="FlowPolicyKind.LatestPerKey"/> is owed.
/// </summary>
/// <remarks>Not thread-safe: the topic's lock guards it. An update of a known key allocates nothing.</remarks>
internal sealed class KeyTable
{
    private readonly Dictionary<string, LinkedListNode<FeedEntry>> _byKey = new(System.StringComparer.Ordinal);

    /// <summary>Newest entry per key, in ascending sequence order.</summary>
    private readonly LinkedList<FeedEntry> _order = new();

    private readonly int _maxKeys;

    /// <summary>Creates an empty table.</summary>
    /// <param name="maxKeys">How many keys it remembers; beyond it the key updated longest ago is forgotten.</param>
    public KeyTable(int maxKeys) => _maxKeys = maxKeys;

    /// <summary>How many keys it holds.</summary>
    public int Count => _byKey.Count;

    /// <summary>Forgets every key (a new epoch: the sequence numbers it holds mean nothing any more).</summary>
    public void Clear()
    {
        _byKey.Clear();
        _order.Clear();
    }

    /// <summary>Records <paramref name="entry"/> as the newest of its key (its sequence is the topic's newest).</summary>
    /// <param name="entry">An entry with a key.</param>
    public void Update(FeedEntry entry)
    {
        if (_byKey.TryGetValue(entry.Key!, out LinkedListNode<FeedEntry>? node))
        {
            _order.Remove(node);
            node.Value = entry;
            _order.AddLast(node);
            return;
        }

        _byKey.Add(entry.Key!, _order.AddLast(entry));
        if (_byKey.Count > _maxKeys)
        {
            LinkedListNode<FeedEntry> oldest = _order.First!;
            _order.RemoveFirst();
            _byKey.Remove(oldest.Value.Key!);
        }
    }

    /// <summary>
    /// Copies, in ascending sequence order, the entries with a sequence from
    /// <paramref name="fromSeq"/> to <paramref name="untilSeq"/> into <paramref name="batch"/> from
    /// <paramref name="count"/> on, as many as fit.
    /// </summary>
    /// <param name="fromSeq">The first sequence still owed.</param>
    /// <param name="untilSeq">The newest sequence to copy (<see cref="long.MaxValue"/>: all).</param>
    /// <param name="batch">Where to copy.</param>
    /// <param name="count">How many slots of <paramref name="batch"/> are used; advanced.</param>
    public void CopyFrom(long fromSeq, long untilSeq, Owed[] batch, ref int count)
    {
        // Walk back to the first owed entry: the owed entries are a suffix of the order.
        LinkedListNode<FeedEntry>? node = _order.Last;
        LinkedListNode<FeedEntry>? first = null;
        while (node is not null && node.Value.Seq >= fromSeq)
        {
            first = node;
            node = node.Previous;
        }

        for (node = first; node is not null && node.Value.Seq <= untilSeq && count < batch.Length; node = node.Next)
        {
            batch[count++] = new Owed(node.Value.Frame, node.Value.Seq);
        }
    }
}
