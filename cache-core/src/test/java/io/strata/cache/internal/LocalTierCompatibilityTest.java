package io.strata.cache.internal;

import io.strata.cache.CacheObserver;
import io.strata.cache.CacheTier;
import io.strata.cache.TierContext;
import io.strata.cache.testkit.CacheTierCompatibilityKit;
import java.util.concurrent.ForkJoinPool;

class LocalTierCompatibilityTest extends CacheTierCompatibilityKit {

  @Override
  protected CacheTier<String, String> createTier(TierContext<String> context) {
    return new LocalTier<>(
        1_000,
        -1,
        null,
        -1,
        null,
        () -> Long.MAX_VALUE,
        context.ticker(),
        CacheObserver.NONE,
        ForkJoinPool.commonPool());
  }
}
