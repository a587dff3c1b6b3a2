package io.strata.cache.redis.internal;

import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One entry written as {@code MULTI; [DEL lease;] DEL key; HSET key field value ...; PEXPIRE key
 * ttl; EXEC}: every field of the previous entry replaced (whatever type the key held), and never a
 * moment without a TTL, since the four apply together or not at all. Deleting the lease (in the
 * entry's slot) refuses the stores of loads under way: they may have read the source before this
 * value was written. Redis pushes one invalidation for the key, however many of the commands
 * changed it. See {@link Transaction} for how it is sent.
 */
final class TransactionalWrite extends Transaction {

  TransactionalWrite(byte[] key, byte @Nullable [] leaseKey, EntryFormat.Encoded entry) {
    super(commands(key, leaseKey, entry));
  }

  private static List<Queued> commands(
      byte[] key, byte @Nullable [] leaseKey, EntryFormat.Encoded entry) {
    List<Queued> commands = new ArrayList<>(4);
    if (leaseKey != null) {
      commands.add(Queued.of(CommandType.DEL, leaseKey));
    }
    commands.add(Queued.of(CommandType.DEL, key));
    CommandArgs<byte[], byte[]> fields = new CommandArgs<>(ByteArrayCodec.INSTANCE).addKey(key);
    for (byte[] field : entry.fields()) {
      fields.add(field);
    }
    commands.add(new Queued(CommandType.HSET, fields));
    commands.add(
        new Queued(
            CommandType.PEXPIRE,
            new CommandArgs<>(ByteArrayCodec.INSTANCE).addKey(key).add(entry.ttlMillis())));
    return commands;
  }
}
