package io.strata.cache.metrics;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.cache.CacheMeterBinder;
import io.micrometer.core.instrument.binder.cache.CacheMeterBinderCompatibilityKit;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.codec.Codec;
import io.strata.cache.testkit.FakeTicker;
import io.strata.cache.testkit.InMemoryTier;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Micrometer's own compatibility kit for cache binders (micrometer-test), against a real two-tier
 * cache: sizes, puts, hits and misses as Micrometer counts them, and a binder that lets its cache
 * be collected.
 */
class StrataCacheMetricsCompatibilityTest
    extends CacheMeterBinderCompatibilityKit<MultiLevelCache<String, String>> {

  @Override
  public MultiLevelCache<String, String> createCache() {
    return MultiLevelCache.<String, String>builder("mycache")
        .ticker(new FakeTicker())
        .executor(Runnable::run)
        .ttl(Duration.ofMinutes(1))
        // The kit expects a put to be in the cache it was put in: the writer keeps its copy (NOLOOP).
        .tier(
            InMemoryTier.factory(
                "memory", new InMemoryTier.Store(), Codec.utf8(), InMemoryTier.Echo.OTHERS_ONLY))
        .build();
  }

  @Override
  public CacheMeterBinder<MultiLevelCache<String, String>> binder() {
    return new StrataCacheMetrics<>(cache, Tags.empty());
  }

  @Override
  public void put(String key, String value) {
    cache.put(key, value);
  }

  @Override
  public @Nullable String get(String key) {
    return cache.getIfPresent(key);
  }
}
