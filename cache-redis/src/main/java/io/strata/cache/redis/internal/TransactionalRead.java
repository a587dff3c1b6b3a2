package io.strata.cache.redis.internal;

import io.lettuce.core.protocol.CommandType;
import java.util.ArrayList;
import java.util.List;

/**
 * Entries read as one transaction: {@code MULTI}, then per key {@code PTTL key; HGETALL key}, then
 * {@code EXEC}: each entry's fields and remaining TTL as of one instant (the whole transaction's).
 * {@link #perKey} turns the reply into one reply per key, shaped as the read script's: {@code
 * [ttl, [field, value, ...]]}, or the error one of the key's commands got. A value too large for
 * the client never arrives whole: {@link BulkReplyGuard} puts an error element in its place (code
 * {@link BulkReplyGuard#ERROR_CODE}); a key of another type gets {@code WRONGTYPE}. Neither
 * touches the other keys' replies. See {@link Transaction} for how it is sent.
 */
final class TransactionalRead extends Transaction {

  /**
   * The most keys one transaction reads: Redis runs a transaction without a break, and a batch of
   * this many costs it well under a millisecond.
   */
  static final int MAX_KEYS = 128;

  private final int keys;

  TransactionalRead(List<byte[]> keys) {
    super(commands(keys));
    this.keys = keys.size();
  }

  private static List<Queued> commands(List<byte[]> keys) {
    if (keys.isEmpty() || keys.size() > MAX_KEYS) {
      throw new IllegalArgumentException(
          "a transaction reads 1 to " + MAX_KEYS + " keys, not " + keys.size());
    }
    List<Queued> commands = new ArrayList<>(2 * keys.size());
    for (byte[] key : keys) {
      commands.add(Queued.of(CommandType.PTTL, key));
      commands.add(Queued.of(CommandType.HGETALL, key));
    }
    return commands;
  }

  /** The number of keys this transaction reads. */
  int keys() {
    return keys;
  }

  /**
   * Returns one reply per key of this read, in order, from the {@code EXEC} reply: {@code [ttl,
   * fields]}, or the first error of the key's two commands.
   */
  List<Object> perKey(List<?> execReply) {
    if (execReply.size() != 2 * keys) {
      throw new IllegalStateException(
          "a read of " + keys + " keys got " + execReply.size() + " replies, not " + 2 * keys);
    }
    List<Object> replies = new ArrayList<>(keys);
    for (int i = 0; i < execReply.size(); i += 2) {
      List<?> pair = execReply.subList(i, i + 2);
      Object error = firstError(pair);
      replies.add(error != null ? error : pair);
    }
    return replies;
  }
}
