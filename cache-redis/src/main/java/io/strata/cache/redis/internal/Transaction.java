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
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

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
 * <p>The reply lists one element per queued command. An error reply of one command (a key of
 * another type, a value too large for {@link BulkReplyGuard}) is an element of the list, a {@link
 * RedisCommandExecutionException}, in that command's place or, for a nested reply, inside it: the
 * other commands of the transaction were applied and answered, and each caller of many keys in one
 * transaction judges each key by its own replies. Only an error of the {@code EXEC} itself
 * ({@code EXECABORT}, "EXEC without MULTI") fails the command; {@link #cause} says why.
 *
 * <p>The commands are plain ones, outside Lettuce's own transaction support, which keeps one
 * transaction per connection and would take other threads' commands into it: {@code MULTI} and
 * {@code EXEC} carry Redis's command names but other names for Lettuce. Only for a single node: on
 * a Cluster, the commands would be routed apart.
 */
abstract class Transaction extends AsyncCommand<byte[], byte[], List<Object>> {

  private static final ProtocolKeyword MULTI = keyword("MULTI");
  private static final ProtocolKeyword EXEC = keyword("EXEC");

  private final List<RedisCommand<byte[], byte[], ?>> opening;

  /** Queues {@code commands}, each a type and its arguments, between MULTI and this EXEC. */
  Transaction(List<Queued> commands) {
    super(new Command<>(EXEC, new ExecOutput()));
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

  /**
   * Returns the first error among {@code replies}, one command's reply or several, looking one
   * level into each (an error inside a hash's reply), or null if there is none.
   */
  static @Nullable RedisCommandExecutionException firstError(List<?> replies) {
    for (Object reply : replies) {
      if (reply instanceof RedisCommandExecutionException error) {
        return error;
      }
      if (reply instanceof List<?> nested) {
        for (Object element : nested) {
          if (element instanceof RedisCommandExecutionException error) {
            return error;
          }
        }
      }
    }
    return null;
  }

  /**
   * Lettuce's nested output, but an error reply below the top level is an element of its list
   * instead of the error of the whole command (see the class comment).
   */
  private static final class ExecOutput extends NestedMultiOutput<byte[], byte[]> {

    /** How deep in the reply the parse is, counted as {@link NestedMultiOutput} counts it. */
    private int depth;

    ExecOutput() {
      super(ByteArrayCodec.INSTANCE);
    }

    @Override
    public void multi(int count) {
      super.multi(count);
      depth++;
    }

    @Override
    public void complete(int depth) {
      if (depth > 0 && depth < this.depth) {
        this.depth--;
      }
      super.complete(depth);
    }

    @Override
    public void setError(ByteBuffer error) {
      if (depth == 0) {
        super.setError(error);
      } else {
        output.add(new RedisCommandExecutionException(decodeString(error)));
      }
    }
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

      // Lettuce names a keyword by toString() (name(), deprecated, defaults to it since 6.5).
      @Override
      public String toString() {
        return label;
      }
    };
  }
}
