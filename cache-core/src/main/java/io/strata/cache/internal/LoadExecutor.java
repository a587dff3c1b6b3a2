package io.strata.cache.internal;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The default executor for loads, reloads and asynchronous reads: one bounded pool of daemon
 * threads shared by every cache in the JVM, at most {@link #MAXIMUM_THREADS} of them, created as
 * loads need them and retired after a minute idle; past the bound, tasks queue. Not the common
 * fork-join pool: loaders block on I/O, and on a small machine that pool has a single thread, so
 * one slow load would hold up every other key. Handed out only as an {@link Executor}, so no
 * cache user can shut it down for the others.
 */
public final class LoadExecutor {

  /** The most threads the shared pool runs: 64, or 16 per processor on larger machines. */
  public static final int MAXIMUM_THREADS =
      Math.max(64, 16 * Runtime.getRuntime().availableProcessors());

  private static final Executor INSTANCE = create();

  private LoadExecutor() {}

  private static Executor create() {
    AtomicInteger count = new AtomicInteger();
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            MAXIMUM_THREADS,
            MAXIMUM_THREADS,
            60,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            runnable -> {
              Thread thread = new Thread(runnable, "strata-load-" + count.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    pool.allowCoreThreadTimeOut(true);
    return pool::execute;
  }

  /** Returns the shared executor. */
  public static Executor get() {
    return INSTANCE;
  }
}
