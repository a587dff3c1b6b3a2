package io.strata.cache.redis;

import io.strata.cache.CacheObserver;
import io.strata.cache.TierHealth;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts what a cache reports, for assertions. */
final class CountingObserver implements CacheObserver {
  final AtomicInteger decodeErrors = new AtomicInteger();
  final AtomicInteger tooLarge = new AtomicInteger();
  final AtomicInteger writesDropped = new AtomicInteger();
  final AtomicInteger fillsRefused = new AtomicInteger();
  final AtomicInteger tierErrors = new AtomicInteger();
  final AtomicInteger remoteHits = new AtomicInteger();
  final AtomicInteger invalidationsReceived = new AtomicInteger();
  final List<String> flushes = new CopyOnWriteArrayList<>();
  final List<TierHealth.State> health = new CopyOnWriteArrayList<>();

  @Override
  public void decodeError(String tier) {
    decodeErrors.incrementAndGet();
  }

  @Override
  public void valueTooLarge(String tier) {
    tooLarge.incrementAndGet();
  }

  @Override
  public void writeDropped(String tier) {
    writesDropped.incrementAndGet();
  }

  @Override
  public void fillRefused(String tier) {
    fillsRefused.incrementAndGet();
  }

  @Override
  public void tierError(String tier, Operation operation, Throwable error) {
    tierErrors.incrementAndGet();
  }

  @Override
  public void tierHit(String tier) {
    if (tier.equals("redis")) {
      remoteHits.incrementAndGet();
    }
  }

  @Override
  public void invalidationReceived(String tier, int keys) {
    invalidationsReceived.addAndGet(keys);
  }

  @Override
  public void flush(String tier, String reason) {
    flushes.add(reason);
  }

  @Override
  public void healthChanged(String tier, TierHealth health) {
    this.health.add(health.state());
  }
}
