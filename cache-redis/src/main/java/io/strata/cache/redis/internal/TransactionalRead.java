package io.strata.cache.redis.internal;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.ProtocolKeyword;
import io.lettuce.core.protocol.RedisCommand;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * One entry read as {@code MULTI; PTTL key; HGETALL key; EXEC}: its fields and its remaining TTL
 * as of one instant, at the server cost of the plain commands (a script call costs several times
 * as much). This command is the {@code EXEC}, whose reply is {@code [ttl, [field, value, ...]]};
 * {@link #opening()} are the three commands to send right before it, all four as one write to the
 * connection's channel ({@link RedisLink#writeAsOneUnit}), so that no other command on the shared
 * connection comes between them. Never cancelled: a MULTI written without its EXEC would leave the
 * connection inside a transaction.
 *
 * <p>The four are plain commands, outside Lettuce's own transaction support, which keeps one
 * transaction per connection and would take other threads' commands into it: their keywords carry
 * Redis's command names but other names for Lettuce. A value too large for the client never
 * arrives whole: {@link BulkReplyGuard} puts an error element in its place, which fails this
 * command with {@link BulkReplyGuard#ERROR_CODE}; a key of another type fails it with {@code
 * WRONGTYPE}. Only for a single node: on a Cluster, the commands would be routed apart.
 */
final class TransactionalRead extends AsyncCommand<byte[], byte[], List<Object>> {

  private static final ProtocolKeyword MULTI = keyword("MULTI");
  private static final ProtocolKeyword EXEC = keyword("EXEC");

  private final List<RedisCommand<byte[], byte[], ?>> opening;

  TransactionalRead(byte[] key) {
    super(new Command<>(EXEC, new NestedMultiOutput<>(ByteArrayCodec.INSTANCE)));
    this.opening =
        List.of(
            queued(MULTI, null),
            queued(CommandType.PTTL, key),
            queued(CommandType.HGETALL, key));
  }

  /**
   * Returns what made this transaction fail: the first error a command got when it was queued
   * (BUSY, LOADING, ...: Redis then answers EXEC with EXECABORT, or, if MULTI itself was refused,
   * with "EXEC without MULTI"), or {@code execError} if none of them got one.
   */
  RedisCommandExecutionException cause(RedisCommandExecutionException execError) {
    for (RedisCommand<byte[], byte[], ?> command : opening) {
      String error = command.getOutput().getError();
      if (error != null) {
        return new RedisCommandExecutionException(error);
      }
    }
    return execError;
  }

  /** The commands to send right before this one, in order. */
  List<RedisCommand<byte[], byte[], ?>> opening() {
    return opening;
  }

  private static AsyncCommand<byte[], byte[], String> queued(
      ProtocolKeyword type, byte @Nullable [] key) {
    CommandArgs<byte[], byte[]> args = new CommandArgs<>(ByteArrayCodec.INSTANCE);
    if (key != null) {
      args.addKey(key);
    }
    // "OK" for MULTI, "QUEUED" for the others.
    return new AsyncCommand<>(
        new Command<>(type, new StatusOutput<>(ByteArrayCodec.INSTANCE), args));
  }

  /** Sends {@code name} to Redis, but is not the keyword Lettuce tracks transactions by. */
  private static ProtocolKeyword keyword(String name) {
    byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
    String label = "strata-" + name.toLowerCase(Locale.ROOT);
    return new ProtocolKeyword() {
      @Override
      public byte[] getBytes() {
        return bytes;
      }

      @Override
      public String name() {
        return label;
      }

      @Override
      public String toString() {
        return label;
      }
    };
  }
}
