package io.strata.cache.redis.soak;

import io.strata.cache.CacheObserver;
import io.strata.cache.TierHealth;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** What one soak instance's cache reports: refused stale fills, outages, flushes, loads. */
public final class SoakObserver implements CacheObserver {

  /** A change of the Redis tier's health, at {@code nanos}. */
  public record HealthChange(long nanos, TierHealth.State state, String detail) {}

  private final ConcurrentHashMap<String, AtomicInteger> fillsRefused = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicInteger> flushes = new ConcurrentHashMap<>();
  private final AtomicInteger changesDeferred = new AtomicInteger();
  private final AtomicInteger changesReplayed = new AtomicInteger();
  private final LongAdder loads = new LongAdder();
  private final LongAdder failedLoads = new LongAdder();
  private final List<HealthChange> health = new CopyOnWriteArrayList<>();

  @Override
  public void fillRefused(String tier) {
    fillsRefused.computeIfAbsent(tier, t -> new AtomicInteger()).incrementAndGet();
  }

  @Override
  public void flush(String tier, String reason) {
    flushes.computeIfAbsent(reason, r -> new AtomicInteger()).incrementAndGet();
  }

  @Override
  public void changeDeferred(String tier) {
    changesDeferred.incrementAndGet();
  }

  @Override
  public void changesReplayed(String tier, int changes) {
    changesReplayed.addAndGet(changes);
  }

  @Override
  public void load(boolean success, long nanos) {
    loads.increment();
    if (!success) {
      failedLoads.increment();
    }
  }

  @Override
  public void healthChanged(String tier, TierHealth health) {
    this.health.add(new HealthChange(System.nanoTime(), health.state(), health.detail()));
  }

  /** Returns how many loaded values a tier refused to store (stale write-backs prevented). */
  public int fillsRefused() {
    return fillsRefused.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  /** Returns the refused fills per tier, e.g. {@code {redis=12}}. */
  public String fillsRefusedByTier() {
    return fillsRefused.toString();
  }

  /** Returns the local flushes per reason. */
  public String flushesByReason() {
    return flushes.toString();
  }

  public int changesDeferred() {
    return changesDeferred.get();
  }

  public int changesReplayed() {
    return changesReplayed.get();
  }

  public long loads() {
    return loads.sum();
  }

  public long failedLoads() {
    return failedLoads.sum();
  }

  /** Returns how many times the tier left UP. */
  public long outages() {
    long outages = 0;
    TierHealth.State previous = TierHealth.State.UP;
    for (HealthChange change : health) {
      if (previous == TierHealth.State.UP && change.state() != TierHealth.State.UP) {
        outages++;
      }
      previous = change.state();
    }
    return outages;
  }

  /** Returns every health change, oldest first. */
  public List<HealthChange> healthChanges() {
    return List.copyOf(health);
  }
}
