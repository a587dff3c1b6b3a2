package io.strata.cache.redis.internal;

import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Entries written as one transaction: {@code MULTI}, then per entry {@code DEL key [lease]; HSET
 * key field value ...; PEXPIRE key ttl}, then {@code EXEC}. Every field of each previous entry is
 * replaced (whatever type the key held), and no key is ever without a TTL, since all the commands
 * apply together or not at all. Deleting a lease (in its entry's slot) refuses the stores of loads
 * under way: they may have read the source before this value was written. Redis pushes one
 * invalidation per key, however many of the commands changed it. See {@link Transaction} for how
 * it is sent.
 */
final class TransactionalWrite extends Transaction {

  /** The most entries one transaction writes: Redis runs a transaction without a break. */
  static final int MAX_ENTRIES = 128;

  /** One entry to write, and the lease it ends (null for none). */
  record Write(byte[] key, byte @Nullable [] leaseKey, EntryFormat.Encoded entry) {}

  TransactionalWrite(List<Write> writes) {
    super(commands(writes));
  }

  private static List<Queued> commands(List<Write> writes) {
    if (writes.isEmpty() || writes.size() > MAX_ENTRIES) {
      throw new IllegalArgumentException(
          "a transaction writes 1 to " + MAX_ENTRIES + " entries, not " + writes.size());
    }
    List<Queued> commands = new ArrayList<>(3 * writes.size());
    for (Write write : writes) {
      byte[] key = write.key();
      CommandArgs<byte[], byte[]> deleted =
          new CommandArgs<>(ByteArrayCodec.INSTANCE).addKey(key);
      if (write.leaseKey() != null) {
        deleted.addKey(write.leaseKey());
      }
      // One DEL for both: each command in a transaction costs the server a dispatch of its own.
      commands.add(new Queued(CommandType.DEL, deleted));
      CommandArgs<byte[], byte[]> fields = new CommandArgs<>(ByteArrayCodec.INSTANCE).addKey(key);
      for (byte[] field : write.entry().fields()) {
        fields.add(field);
      }
      commands.add(new Queued(CommandType.HSET, fields));
      commands.add(
          new Queued(
              CommandType.PEXPIRE,
              new CommandArgs<>(ByteArrayCodec.INSTANCE)
                  .addKey(key)
                  .add(write.entry().ttlMillis())));
    }
    return commands;
  }
}
