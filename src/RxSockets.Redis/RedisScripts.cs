namespace RxSockets;

/// <summary>
/// The Lua scripts of the backplane. Each runs atomically in Redis in one round trip
/// (StackExchange.Redis sends EVALSHA once the script is cached), so numbering, history and
/// delivery of one message are one step that no other publisher can interleave with.
/// </summary>
internal static class RedisScripts
{
    /// <summary>
    /// Publishes one message. KEYS: meta hash, history stream. ARGV: a new epoch for a topic Redis
    /// does not hold (first use, or Redis lost its data), the sequence step beyond 1 (1 after a
    /// message of this process could not be published, so every node sees a gap and resets its
    /// subscribers rather than miss it silently), the history length, whether there is a key, the
    /// key, the body, the channel. Payload on the channel:
    /// <c>epoch \n seq \n key-length (-1: none) \n key body</c>. Returns the sequence number.
    /// </summary>
    public const string Publish = """
        redis.call('HSETNX', KEYS[1], 'epoch', ARGV[1])
        local epoch = redis.call('HGET', KEYS[1], 'epoch')
        local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1 + tonumber(ARGV[2]))
        local id = string.format('%d-0', seq)
        local klen = -1
        if ARGV[4] == '1' then
          redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], id, 'b', ARGV[6], 'k', ARGV[5])
          klen = string.len(ARGV[5])
        else
          redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], id, 'b', ARGV[6])
        end
        redis.call('PUBLISH', ARGV[7], epoch .. '\n' .. string.format('%d', seq) .. '\n' .. klen .. '\n' .. ARGV[5] .. ARGV[6])
        return seq
        """;

    /// <summary>
    /// Reads what a node needs to catch up. KEYS: meta hash, history stream. ARGV: a new epoch for a
    /// topic Redis does not hold, the epoch the node knows, the newest sequence it has, the history
    /// length. When the epoch is the node's and at most a history's worth is missing: the entries
    /// after its sequence, oldest first. Otherwise (another epoch, or too far behind): the newest
    /// history's worth, newest first. A counter behind the node's (Redis came back from an older
    /// snapshot) would reuse sequence numbers, so it starts a new epoch instead.
    /// Returns <c>{epoch, newest-first (0/1), entries}</c>.
    /// </summary>
    public const string Sync = """
        redis.call('HSETNX', KEYS[1], 'epoch', ARGV[1])
        local epoch = redis.call('HGET', KEYS[1], 'epoch')
        local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
        local after = tonumber(ARGV[3])
        local count = tonumber(ARGV[4])
        if epoch == ARGV[2] and seq < after then
          epoch = ARGV[1]
          redis.call('HSET', KEYS[1], 'epoch', epoch)
        end
        if epoch == ARGV[2] and seq - after <= count then
          return {epoch, 0, redis.call('XRANGE', KEYS[2], string.format('(%d-0', after), '+')}
        end
        return {epoch, 1, redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', count)}
        """;
}
