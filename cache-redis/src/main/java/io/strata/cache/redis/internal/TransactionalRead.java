package io.strata.cache.redis.internal;

import io.lettuce.core.protocol.CommandType;
import java.util.List;

/**
 * One entry read as {@code MULTI; PTTL key; HGETALL key; EXEC}: its fields and its remaining TTL
 * as of one instant; the reply is {@code [ttl, [field, value, ...]]}. A value too large for the
 * client never arrives whole: {@link BulkReplyGuard} puts an error element in its place, which
 * fails this command with {@link BulkReplyGuard#ERROR_CODE}; a key of another type fails it with
 * {@code WRONGTYPE}. See {@link Transaction} for how it is sent.
 */
final class TransactionalRead extends Transaction {

  TransactionalRead(byte[] key) {
    super(List.of(Queued.of(CommandType.PTTL, key), Queued.of(CommandType.HGETALL, key)));
  }
}
