package io.strata.cache.redis.internal;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.ProtocolKeyword;
import io.lettuce.core.protocol.RedisCommand;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Plain commands run as {@code MULTI; ...; EXEC}: atomically, at the server cost of the commands
 * themselves (a script call costs several times as much). This command is the {@code EXEC}, whose
 * reply lists the replies of the queued commands; {@link #opening()} are the commands to send
 * right before it, {@code MULTI} first, all as one write to the connection's channel ({@link
 * RedisLink#writeAsOneUnit}), so that no other command on the shared connection comes between
 * them. Never cancelled: a {@code MULTI} written without its {@code EXEC} would leave the
 * connection inside a transaction. A connection cut before the {@code EXEC} arrives leaves nothing
 * applied: Redis discards a transaction it never saw the end of.
 *
 * <p>The commands are plain ones, outside Lettuce's own transaction support, which keeps one
 * transaction per connection and would take other threads' commands into it: {@code MULTI} and
 * {@code EXEC} carry Redis's command names but other names for Lettuce. An error reply inside the
 * {@code EXEC} reply (a value too large for {@link BulkReplyGuard}, a key of another type) fails
 * this command with that error. Only for a single node: on a Cluster, the commands would be
 * routed apart.
 */
abstract class Transaction extends AsyncCommand<byte[], byte[], List<Object>> {

  private static final ProtocolKeyword MULTI = keyword("MULTI");
  private static final ProtocolKeyword EXEC = keyword("EXEC");

  private final List<RedisCommand<byte[], byte[], ?>> opening;

  /** Queues {@code commands}, each a type and its arguments, between MULTI and this EXEC. */
  Transaction(List<Queued> commands) {
    super(new Command<>(EXEC, new NestedMultiOutput<>(ByteArrayCodec.INSTANCE)));
    List<RedisCommand<byte[], byte[], ?>> all = new ArrayList<>(commands.size() + 1);
    all.add(queued(new Queued(MULTI, new CommandArgs<>(ByteArrayCodec.INSTANCE))));
    for (Queued command : commands) {
      all.add(queued(command));
    }
    this.opening = Collections.unmodifiableList(all);
  }

  /** One command of a transaction. */
  record Queued(ProtocolKeyword type, CommandArgs<byte[], byte[]> args) {

    /** {@code type} with {@code key} as its only argument. */
    static Queued of(ProtocolKeyword type, byte[] key) {
      return new Queued(type, new CommandArgs<>(ByteArrayCodec.INSTANCE).addKey(key));
    }
  }

  /**
   * Returns what made this transaction fail: the first error a command got when it was queued
   * (BUSY, LOADING, OOM, ...: Redis then answers EXEC with EXECABORT, or, if MULTI itself was
   * refused, with "EXEC without MULTI"), or {@code execError} if none of them got one.
   */
  final RedisCommandExecutionException cause(RedisCommandExecutionException execError) {
    for (RedisCommand<byte[], byte[], ?> command : opening) {
      String error = command.getOutput().getError();
      if (error != null) {
        return new RedisCommandExecutionException(error);
      }
    }
    return execError;
  }

  /** The commands to send right before this one, in order. */
  final List<RedisCommand<byte[], byte[], ?>> opening() {
    return opening;
  }

  private static AsyncCommand<byte[], byte[], String> queued(Queued command) {
    // "OK" for MULTI, "QUEUED" for the others.
    return new AsyncCommand<>(
        new Command<>(
            command.type(), new StatusOutput<>(ByteArrayCodec.INSTANCE), command.args()));
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
