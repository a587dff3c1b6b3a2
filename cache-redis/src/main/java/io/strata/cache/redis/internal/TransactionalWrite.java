package io.strata.cache.redis.internal;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Entries written as one transaction: {@code MULTI}, {@code DEL} of the leases the entries end,
 * then per entry {@code HSET key field value ...; PEXPIRE key ttl}, then {@code EXEC}. Every field
 * of the format is written ({@link EntryFormat}), so a previous entry's are all replaced, and no
 * key is ever without a TTL, since all the commands apply together or not at all. Not {@code DEL}
 * first: freeing and rebuilding the hash made a write a third slower on the server.
 * Deleting a lease (in its entry's slot) refuses the stores of loads under way: they may have read
 * the source before this value was written. Redis pushes one invalidation per key, however many of
 * the commands changed it. See {@link Transaction} for how it is sent.
 *
 * <p>A key of another type refuses the {@code HSET} (and takes the TTL):
 * {@link #refused} names those entries, which the caller writes again with the write script, which
 * deletes whatever the key held.
 */
final class TransactionalWrite extends Transaction {

  /** The most entries one transaction writes: Redis runs a transaction without a break. */
  static final int MAX_ENTRIES = 128;

  /** HSET and PEXPIRE. */
  private static final int COMMANDS_PER_ENTRY = 2;

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
    List<Queued> commands = new ArrayList<>(1 + 2 * writes.size());
    CommandArgs<byte[], byte[]> leases = new CommandArgs<>(ByteArrayCodec.INSTANCE);
    boolean anyLease = false;
    for (Write write : writes) {
      if (write.leaseKey() != null) {
        leases.addKey(write.leaseKey());
        anyLease = true;
      }
    }
    if (anyLease) {
      // One DEL for all: each command in a transaction costs the server a dispatch of its own.
      commands.add(new Queued(CommandType.DEL, leases));
    }
    for (Write write : writes) {
      byte[] key = write.key();
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

  /**
   * Returns those of {@code writes} whose key held another type, from the {@code EXEC} reply of
   * their transaction: their fields were not written.
   *
   * @throws RedisCommandExecutionException if a command failed for any other reason
   */
  static List<Write> refused(List<Write> writes, List<?> execReply) {
    int at = writes.stream().anyMatch(write -> write.leaseKey() != null) ? 1 : 0;
    int commands = at + COMMANDS_PER_ENTRY * writes.size();
    if (execReply.size() != commands) {
      throw new IllegalStateException(
          "a write of " + writes.size() + " entries got " + execReply.size() + " replies, not "
              + commands);
    }
    if (at == 1 && execReply.get(0) instanceof RedisCommandExecutionException error) {
      throw error;
    }
    List<Write> refused = new ArrayList<>(0);
    for (Write write : writes) {
      RedisCommandExecutionException error =
          firstError(execReply.subList(at, at + COMMANDS_PER_ENTRY));
      at += COMMANDS_PER_ENTRY;
      if (error == null) {
        continue;
      }
      if (!String.valueOf(error.getMessage()).startsWith("WRONGTYPE")) {
        throw error;
      }
      refused.add(write);
    }
    return refused;
  }
}
