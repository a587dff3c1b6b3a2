package io.strata.cache.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The default executor for loads, reloads and asynchronous reads: one pool of daemon threads
 * shared by every cache in the JVM, growing with the number of loads in flight and shrinking when
 * idle. Not the common fork-join pool: loaders block on I/O, and on a small machine that pool has
 * a single thread, so one slow load would hold up every other key.
 */
public final class LoadExecutor {

  private static final ExecutorService INSTANCE = create();

  private LoadExecutor() {}

  private static ExecutorService create() {
    AtomicInteger count = new AtomicInteger();
    return Executors.newCachedThreadPool(
        runnable -> {
          Thread thread = new Thread(runnable, "strata-load-" + count.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        });
  }

  /** Returns the shared executor. */
  public static ExecutorService get() {
    return INSTANCE;
  }
}
