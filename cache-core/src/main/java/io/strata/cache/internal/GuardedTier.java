package io.strata.cache.internal;

import io.strata.cache.CacheEntry;
import io.strata.cache.CacheObserver;
import io.strata.cache.CacheObserver.Operation;
import io.strata.cache.CacheTier;
import io.strata.cache.Ticker;
import io.strata.cache.TierHealth;
import io.strata.cache.TierLease;
import io.strata.cache.TierUnavailableException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lower tier behind a fence: its calls are timed, and an exception becomes a miss (reads) or a
 * write not taken, reported to the observers and logged once per change of state (failing,
 * recovered), never once per request; a {@link TierUnavailableException} is not logged, since the
 * tier reports its own outages. A change the tier did not take goes to the {@link TierOutage}'s
 * journal, and until it is replayed the tier is not read for that key. Thread-safe.
 */
final class GuardedTier<K, V> implements TierOutage.Replay<K> {

  private static final Logger LOG = LoggerFactory.getLogger(GuardedTier.class);

  private final CacheTier<K, V> tier;
  private final String name;
  private final String cacheName;
  private final Ticker ticker;
  private final CacheObserver observer;
  private final TierOutage<K> outage;
  private final AtomicBoolean failing = new AtomicBoolean();

  GuardedTier(
      CacheTier<K, V> tier,
      String cacheName,
      Ticker ticker,
      CacheObserver observer,
      TierOutage<K> outage) {
    this.tier = tier;
    this.name = tier.name();
    this.cacheName = cacheName;
    this.ticker = ticker;
    this.observer = observer;
    this.outage = outage;
    outage.attach(name, this);
  }

  String name() {
    return name;
  }

  CacheTier<K, V> tier() {
    return tier;
  }

  @Nullable CacheEntry<V> get(K key) {
    if (outage.holds(key)) {
      return null; // the tier may still hold what the key's latest change replaced
    }
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
    Collection<? extends K> readable = readable(keys);
    if (readable.isEmpty()) {
      return Map.of();
    }
    long start = ticker.read();
    try {
      Map<K, CacheEntry<V>> found = tier.getAll(readable);
      succeeded(Operation.GET_ALL, start);
      for (int i = found.size(); i < readable.size(); i++) {
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

  /**
   * Stores what a read found or loaded; returns whether the tier took it without failing (it may
   * still have declined it). A failure is not journaled: nothing changed at the source.
   */
  boolean put(K key, CacheEntry<V> entry) {
    return write(key, entry, false);
  }

  /** Stores a change ({@code put}); a failure is journaled. */
  boolean putChange(K key, CacheEntry<V> entry) {
    return write(key, entry, true);
  }

  private boolean write(K key, CacheEntry<V> entry, boolean change) {
    long start = ticker.read();
    try {
      tier.put(key, entry);
      succeeded(Operation.PUT, start);
      return true;
    } catch (RuntimeException | LinkageError e) {
      failed(Operation.PUT, e);
      dropped();
      if (change) {
        outage.deferred(key);
      }
      return false;
    }
  }

  /** Stores changes ({@code putAll}) in one batch; returns whether the tier took them (a failure is journaled). */
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
      dropped();
      entries.keySet().forEach(outage::deferred);
      return false;
    }
  }

  /**
   * Takes the tier's leases on {@code keys} for a load or a refresh; returns null if the tier
   * failed. A key whose latest change the tier has not taken is leased as for a refresh: what the
   * tier holds for it must not answer the load.
   */
  @Nullable Map<K, TierLease<V>> lease(Collection<K> keys, boolean refresh) {
    long start = ticker.read();
    try {
      Map<K, TierLease<V>> leases;
      if (refresh || !outage.holdsAny()) {
        leases = tier.lease(keys, refresh);
      } else {
        List<K> readable = new ArrayList<>(readable(keys));
        List<K> held = new ArrayList<>(keys);
        held.removeAll(readable);
        leases = new java.util.HashMap<>(tier.lease(readable, false));
        leases.putAll(tier.lease(held, true));
      }
      // Not a sign of recovery: a tier without leases answers without being reached.
      if (!leases.isEmpty()) {
        observer.tierLatency(name, Operation.LEASE, ticker.read() - start);
      }
      return leases;
    } catch (RuntimeException | LinkageError e) {
      failed(Operation.LEASE, e);
      return null;
    }
  }

  /**
   * Stores loaded entries under their leases; returns the keys the tier refused (their key
   * changed since the lease), or null if the tier failed to take the call. A failure is not
   * journaled: nothing changed at the source.
   */
  @Nullable Set<K> putLeased(Map<K, CacheEntry<V>> entries, Map<K, TierLease<V>> leases) {
    if (entries.isEmpty()) {
      return Set.of();
    }
    long start = ticker.read();
    Set<K> refused;
    try {
      refused = tier.putLeased(entries, leases);
      succeeded(entries.size() == 1 ? Operation.PUT : Operation.PUT_ALL, start);
    } catch (RuntimeException | LinkageError e) {
      failed(entries.size() == 1 ? Operation.PUT : Operation.PUT_ALL, e);
      dropped();
      return null;
    }
    for (int i = 0; i < refused.size(); i++) {
      observer.fillRefused(name);
    }
    return refused;
  }

  /** Records that a load did not write this tier because it could not lease there. */
  void dropped() {
    observer.writeDropped(name);
    outage.notTaken();
  }

  /** Gives back leases of keys stored nowhere here; a failure only lets them expire. */
  void release(Map<K, TierLease<V>> leases) {
    long start = ticker.read();
    try {
      tier.release(leases);
      observer.tierLatency(name, Operation.RELEASE, ticker.read() - start);
    } catch (RuntimeException | LinkageError e) {
      failed(Operation.RELEASE, e);
    }
  }

  /** Removes {@code key}; returns whether the tier took it (a failure is journaled). */
  boolean invalidate(K key) {
    if (replayInvalidate(key)) {
      return true;
    }
    outage.deferred(key);
    return false;
  }

  /** Empties the tier of this cache's entries; returns whether it did (a failure is journaled). */
  boolean invalidateAll() {
    if (replayInvalidateAll()) {
      return true;
    }
    outage.deferredFlush();
    return false;
  }

  @Override
  public boolean replayInvalidate(K key) {
    long start = ticker.read();
    try {
      tier.invalidate(key);
      succeeded(Operation.INVALIDATE, start);
      return true;
    } catch (RuntimeException | LinkageError e) {
      failed(Operation.INVALIDATE, e);
      return false;
    }
  }

  @Override
  public boolean replayInvalidateAll() {
    long start = ticker.read();
    try {
      tier.invalidateAll();
      succeeded(Operation.INVALIDATE_ALL, start);
      return true;
    } catch (RuntimeException | LinkageError e) {
      failed(Operation.INVALIDATE_ALL, e);
      return false;
    }
  }

  @Override
  public boolean isDown() {
    return health().state() == TierHealth.State.DOWN;
  }

  TierHealth health() {
    try {
      return tier.health();
    } catch (RuntimeException e) {
      return TierHealth.down("health check threw " + e);
    }
  }

  void close() {
    outage.close();
    try {
      tier.close();
    } catch (Exception e) {
      LOG.warn("Tier '{}' of cache '{}' failed to close", name, cacheName, e);
    }
  }

  private Collection<? extends K> readable(Collection<? extends K> keys) {
    if (!outage.holdsAny()) {
      return keys;
    }
    List<K> readable = new ArrayList<>(keys.size());
    for (K key : keys) {
      if (!outage.holds(key)) {
        readable.add(key);
      }
    }
    return readable;
  }

  private void succeeded(Operation operation, long start) {
    observer.tierLatency(name, operation, ticker.read() - start);
    outage.recovered();
    if (failing.get() && failing.compareAndSet(true, false)) {
      LOG.info("Tier '{}' of cache '{}' works again", name, cacheName);
    }
  }

  private void failed(Operation operation, Throwable error) {
    observer.tierError(name, operation, error);
    outage.failed();
    if (error instanceof TierUnavailableException) {
      return; // the tier reports its own outages, once each
    }
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
