package io.strata.cache.redis.harness;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition until it holds or a deadline passes. */
public final class Await {

  private static final long POLL_MILLIS = 10;

  private Await() {}

  /**
   * Polls {@code condition} every 10 ms until it returns true. A condition that throws counts as
   * false; its last exception becomes the cause of the timeout error.
   *
   * @throws AssertionError naming {@code what} when {@code timeout} passes first
   */
  public static void until(Duration timeout, BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    RuntimeException lastFailure = null;
    while (true) {
      try {
        if (condition.getAsBoolean()) {
          return;
        }
        lastFailure = null;
      } catch (RuntimeException e) {
        lastFailure = e;
      }
      if (System.nanoTime() - deadline >= 0) {
        AssertionError error =
            new AssertionError("Timed out after " + timeout.toMillis() + " ms waiting for: " + what);
        if (lastFailure != null) {
          error.initCause(lastFailure);
        }
        throw error;
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("Interrupted while waiting for: " + what, e);
      }
    }
  }
}
