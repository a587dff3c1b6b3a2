package io.strata.cache.http;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Waits between retries. The only way {@link HttpLoader} passes time, so tests can record the
 * backoff instead of waiting for it.
 *
 * <p>Called from many threads at once; implementations must be thread-safe.
 */
@FunctionalInterface
public interface Sleeper {

  /**
   * Blocks for {@code duration}.
   *
   * @throws InterruptedException if the thread is interrupted while waiting; the load then fails
   */
  void sleep(Duration duration) throws InterruptedException;

  /** Returns the sleeper that blocks the calling thread for real. */
  static Sleeper system() {
    return duration -> TimeUnit.NANOSECONDS.sleep(duration.toNanos());
  }
}
