package io.strata.cache.spring;

import io.strata.cache.CacheObserver;
import io.strata.cache.MultiLevelCache;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Lets a test's loader hold its load until the other callers joined it, instead of sleeping and
 * hoping they did: counts the cache's coalesced waits.
 */
final class Waiters {

  private Waiters() {}

  /** Returns a latch that opens once {@code waits} callers of {@code cache} joined a load. */
  static CountDownLatch joining(MultiLevelCache<?, ?> cache, int waits) {
    CountDownLatch latch = new CountDownLatch(waits);
    cache
        .advanced()
        .addObserver(
            new CacheObserver() {
              @Override
              public void coalescedWait() {
                latch.countDown();
              }
            });
    return latch;
  }

  /** Waits for {@code latch}, failing the calling load after 10 s. */
  static void await(CountDownLatch latch) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new AssertionError("the other callers never joined the load");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
