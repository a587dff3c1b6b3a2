package io.strata.cache;

import io.strata.cache.internal.SystemScheduler;
import java.time.Duration;
import java.util.concurrent.Future;

/**
 * Runs a task after a delay; the cache uses it for load timeouts and to retry, without traffic,
 * the changes a lower tier did not take. Injected, like the {@link Ticker}, so that tests fire
 * them by hand.
 *
 * <p>Implementations must be thread-safe. The task must be short and must not block; it is run
 * at most once, and not at all if the returned future is cancelled first.
 */
@FunctionalInterface
public interface Scheduler {

  /**
   * Schedules {@code task} to run once after {@code delay}.
   *
   * @return a future whose cancellation prevents the task from running if it has not yet
   */
  Future<?> schedule(Duration delay, Runnable task);

  /** Returns a scheduler backed by one shared daemon thread. */
  static Scheduler system() {
    return SystemScheduler.INSTANCE;
  }
}
