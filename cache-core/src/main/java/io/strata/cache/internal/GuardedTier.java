package io.strata.cache.internal;

import io.strata.cache.CacheEntry;
import io.strata.cache.CacheObserver;
import io.strata.cache.CacheObserver.Operation;
import io.strata.cache.CacheTier;
import io.strata.cache.Ticker;
import io.strata.cache.TierHealth;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lower tier behind a fence: its calls are timed, and an exception becomes a miss (reads) or a
 * dropped write, reported to the observers and logged once per change of state (failing,
 * recovered), never once per request.
 */
final class GuardedTier<K, V> {

  private static final Logger LOG = LoggerFactory.getLogger(GuardedTier.class);

  private final CacheTier<K, V> tier;
  private final String name;
  private final String cacheName;
  private final Ticker ticker;
  private final CacheObserver observer;
  private final AtomicBoolean failing = new AtomicBoolean();

  GuardedTier(CacheTier<K, V> tier, String cacheName, Ticker ticker, CacheObserver observer) {
    this.tier = tier;
    this.name = tier.name();
    this.cacheName = cacheName;
    this.ticker = ticker;
    this.observer = observer;
  }

  String name() {
    return name;
  }

  CacheTier<K, V> tier() {
    return tier;
  }

  @Nullable CacheEntry<V> get(K key) {
    long start = ticker.read();
    try {
      CacheEntry<V> entry = tier.get(key);
      succeeded(Operation.GET, start);
      if (entry == null) {
        observer.tierMiss(name);
      } else {
        observer.tierHit(name);
      }
      return entry;
    } catch (RuntimeException | LinkageError e) {
      failed(Operation.GET, e);
      return null;
    }
  }

  Map<K, CacheEntry<V>> getAll(Collection<? extends K> keys) {
    long start = ticker.read();
    try {
      Map<K, CacheEntry<V>> found = tier.getAll(keys);
      succeeded(Operation.GET_ALL, start);
      for (int i = found.size(); i < keys.size(); i++) {
        observer.tierMiss(name);
      }
      for (int i = 0; i < found.size(); i++) {
        observer.tierHit(name);
      }
      return found;
    } catch (RuntimeException | LinkageError e) {
      failed(Operation.GET_ALL, e);
      return Map.of();
    }
  }

  /** Returns whether the tier took the write without failing (it may still have declined it). */
  boolean put(K key, CacheEntry<V> entry) {
    long start = ticker.read();
    try {
      tier.put(key, entry);
      succeeded(Operation.PUT, start);
      return true;
    } catch (RuntimeException | LinkageError e) {
      failed(Operation.PUT, e);
      observer.writeDropped(name);
      return false;
    }
  }

  /** Returns whether the tier took the writes without failing. */
  boolean putAll(Map<K, CacheEntry<V>> entries) {
    if (entries.isEmpty()) {
      return true;
    }
    long start = ticker.read();
    try {
      tier.putAll(entries);
      succeeded(Operation.PUT_ALL, start);
      return true;
    } catch (RuntimeException | LinkageError e) {
      failed(Operation.PUT_ALL, e);
      observer.writeDropped(name);
      return false;
    }
  }

  void invalidate(K key) {
    long start = ticker.read();
    try {
      tier.invalidate(key);
      succeeded(Operation.INVALIDATE, start);
    } catch (RuntimeException | LinkageError e) {
      failed(Operation.INVALIDATE, e);
    }
  }

  void invalidateAll() {
    long start = ticker.read();
    try {
      tier.invalidateAll();
      succeeded(Operation.INVALIDATE_ALL, start);
    } catch (RuntimeException | LinkageError e) {
      failed(Operation.INVALIDATE_ALL, e);
    }
  }

  TierHealth health() {
    try {
      return tier.health();
    } catch (RuntimeException e) {
      return TierHealth.down("health check threw " + e);
    }
  }

  void close() {
    try {
      tier.close();
    } catch (Exception e) {
      LOG.warn("Tier '{}' of cache '{}' failed to close", name, cacheName, e);
    }
  }

  private void succeeded(Operation operation, long start) {
    observer.tierLatency(name, operation, ticker.read() - start);
    if (failing.get() && failing.compareAndSet(true, false)) {
      LOG.info("Tier '{}' of cache '{}' works again", name, cacheName);
    }
  }

  private void failed(Operation operation, Throwable error) {
    observer.tierError(name, operation, error);
    if (failing.compareAndSet(false, true)) {
      LOG.warn(
          "Tier '{}' of cache '{}' failed on {}; skipping it until it works again"
              + " (logged once per change of state)",
          name,
          cacheName,
          operation,
          error);
    }
  }
}
