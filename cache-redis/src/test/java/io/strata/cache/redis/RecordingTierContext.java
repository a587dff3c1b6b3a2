package io.strata.cache.redis;

import io.strata.cache.CacheEntry;
import io.strata.cache.CacheObserver;
import io.strata.cache.CacheTier;
import io.strata.cache.InvalidationSink;
import io.strata.cache.Ticker;
import io.strata.cache.TierContext;
import io.strata.cache.TierHealth;
import io.strata.cache.redis.harness.Await;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ForkJoinPool;

/**
 * What a cache would give a tier, for tests that call a Redis tier directly: the system clock, and
 * a sink that records every invalidation the tier reports ({@code *reason} for a flush).
 */
final class RecordingTierContext implements TierContext<String> {

  final List<String> invalidated = new CopyOnWriteArrayList<>();
  final CountingObserver observer = new CountingObserver();
  private final String cacheName;

  RecordingTierContext(String cacheName) {
    this.cacheName = cacheName;
  }

  /** Creates the tier {@code factory} makes for this context and waits until it is tracked. */
  CacheTier<String, String> create(io.strata.cache.TierFactory<String, String> factory) {
    CacheTier<String, String> tier = factory.create(this);
    Await.until(
        Duration.ofSeconds(10),
        () -> tier.health().state() == TierHealth.State.UP,
        "the tier of '" + cacheName + "' to be tracked");
    return tier;
  }

  /** An entry of {@code value}, fresh for a minute from now. */
  static CacheEntry<String> entry(String value) {
    long now = Ticker.system().read();
    return CacheEntry.builder(value, now, now + Duration.ofMinutes(1).toNanos()).build();
  }

  @Override
  public String cacheName() {
    return cacheName;
  }

  @Override
  public Ticker ticker() {
    return Ticker.system();
  }

  @Override
  public java.util.concurrent.Executor executor() {
    return ForkJoinPool.commonPool();
  }

  @Override
  public InvalidationSink<String> invalidations() {
    return new InvalidationSink<>() {
      @Override
      public void invalidate(Collection<? extends String> keys) {
        invalidated.addAll(keys);
      }

      @Override
      public void invalidateAll(String reason) {
        invalidated.add("*" + reason);
      }

      @Override
      public void suspend(String reason) {}

      @Override
      public void resume() {}

      @Override
      public void recovered() {}
    };
  }

  @Override
  public CacheObserver observer() {
    return observer;
  }
}
