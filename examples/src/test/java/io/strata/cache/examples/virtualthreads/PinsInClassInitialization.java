package io.strata.cache.examples.virtualthreads;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * Blocks in its static initializer, where a virtual thread stays pinned to its carrier on Java 21
 * to 25: the known pin that {@link VirtualThreadPinningIT} checks its detector against.
 */
final class PinsInClassInitialization {

  static {
    LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
  }

  private PinsInClassInitialization() {}

  static void touch() {}
}
