package io.strata.cache.redis.internal;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.RedisCommand;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * Brings an open breaker back without traffic: while the breaker is open, a task on the link's
 * probe scheduler takes the breaker's probe slot ({@link CircuitBreaker#tryAcquire}) when its
 * period is over, sends a PING on the shared connection and reports the answer. Without it, a
 * breaker only probes when a caller's command arrives, and a tier whose hot keys are served
 * locally stays down long after Redis is back. On a single node the PING goes inside {@code
 * MULTI ... EXEC}, as the tier's reads and writes do: a Redis out of memory (under {@code
 * noeviction}) answers a plain PING but refuses every queued command, and a PING alone would close
 * the breaker on a Redis that cannot serve, for the next call to open it again.
 *
 * <p>Thread-safe. Never blocks: the PING is asynchronous, bounded by the clients' command timeout
 * (and by its own deadline should that not fire), and its answer is handled on the probe
 * scheduler's thread, not on Lettuce's event loop, since closing the breaker flushes the levels
 * above. While the breaker is open the task wakes at most every {@link #POLL} to notice an ended
 * period (the period may be cut short by {@link CircuitBreaker#probeSoon}); while it is closed,
 * nothing is scheduled.
 */
final class BreakerProbe implements AutoCloseable {

  /** The longest the task sleeps while the breaker is open. */
  static final Duration POLL = Duration.ofMillis(100);

  private final CircuitBreaker breaker;
  private final RedisLink link;
  private final ScheduledExecutorService scheduler;
  private final long deadlineNanos;
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private volatile boolean closed;

  BreakerProbe(CircuitBreaker breaker, RedisLink link) {
    this.breaker = breaker;
    this.link = link;
    this.scheduler = link.probeScheduler();
    // Lettuce times the PING out at the command timeout; this only catches a timer that never
    // fires, so that the probe always reports.
    this.deadlineNanos = link.commandTimeout().multipliedBy(2).toNanos();
  }

  /** Starts probing if the breaker is not closed and no probe task is scheduled. Idempotent. */
  void start() {
    if (!closed && breaker.nanosUntilProbe() >= 0 && scheduled.compareAndSet(false, true)) {
      schedule(0);
    }
  }

  private void schedule(long delayNanos) {
    try {
      scheduler.schedule(this::run, delayNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      scheduled.set(false); // the client is closing
    }
  }

  private void run() {
    long wait = breaker.nanosUntilProbe();
    if (closed || wait < 0) {
      scheduled.set(false);
      // The breaker may have opened again between the read and the reset.
      if (!closed && breaker.nanosUntilProbe() >= 0) {
        start();
      }
      return;
    }
    if (wait == 0 && breaker.state() == CircuitBreaker.State.OPEN && breaker.tryAcquire()) {
      ping();
      return;
    }
    schedule(Math.max(TimeUnit.MILLISECONDS.toNanos(1), Math.min(wait, POLL.toNanos())));
  }

  @SuppressWarnings("unchecked")
  private void ping() {
    StatefulConnection<byte[], byte[]> connection = link.connection();
    CompletableFuture<?> answer;
    long deadline = deadlineNanos;
    if (connection == null) {
      answer = CompletableFuture.failedFuture(link.notConnected());
    } else {
      try {
        if (link.canWriteAsOneUnit(connection)) {
          answer = pingInTransaction(connection);
          deadline = link.commandTimeout().toNanos(); // no timer of Lettuce's runs for it
        } else {
          answer =
              (connection instanceof StatefulRedisClusterConnection<?, ?> cluster
                      ? ((StatefulRedisClusterConnection<byte[], byte[]>) cluster).async().ping()
                      : ((StatefulRedisConnection<byte[], byte[]>) connection).async().ping())
                  .toCompletableFuture();
        }
      } catch (RuntimeException e) {
        answer = CompletableFuture.failedFuture(e);
      }
    }
    answer
        .orTimeout(deadline, TimeUnit.NANOSECONDS)
        .whenCompleteAsync(
            (reply, error) -> {
              report(error);
              schedule(0);
            },
            scheduler);
  }

  /** {@code MULTI PING EXEC}; fails with what refused a queued command, not with EXECABORT. */
  private CompletableFuture<?> pingInTransaction(StatefulConnection<byte[], byte[]> connection) {
    PingTransaction transaction = new PingTransaction();
    List<RedisCommand<?, ?, ?>> commands = new ArrayList<>(transaction.opening());
    commands.add(transaction);
    link.writeAsOneUnit(connection, commands);
    return transaction
        .toCompletableFuture()
        .handle(
            (reply, error) -> {
              Throwable cause = unwrap(error);
              if (cause instanceof RedisCommandExecutionException execError) {
                throw new CompletionException(transaction.cause(execError));
              }
              if (cause != null) {
                throw new CompletionException(cause);
              }
              return reply;
            });
  }

  private static final class PingTransaction extends Transaction {
    PingTransaction() {
      super(List.of(new Queued(CommandType.PING, new CommandArgs<>(ByteArrayCodec.INSTANCE))));
    }
  }

  private static @Nullable Throwable unwrap(@Nullable Throwable error) {
    return error instanceof CompletionException && error.getCause() != null
        ? error.getCause()
        : error;
  }

  private void report(@Nullable Throwable error) {
    Throwable cause = unwrap(error);
    if (cause == null
        || (cause instanceof RedisCommandExecutionException reply
            && !OutageCause.meansUnavailable(reply))) {
      breaker.onSuccess(); // Redis answered
    } else {
      breaker.onFailure(cause);
    }
  }

  /** Stops probing; a PING in flight still reports. */
  @Override
  public void close() {
    closed = true;
  }
}
