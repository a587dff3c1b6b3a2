package io.strata.cache.internal;

import io.strata.cache.CacheEntry;
import io.strata.cache.Ticker;
import io.strata.cache.internal.InvalidationStamps.Ticket;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads keys down the lower tiers, top first, one batch per tier, and promotes what it finds
 * through the {@link FillGuard}. One key or many, the walk is the same; a single key is read with
 * {@code get} rather than {@code getAll}. Thread-safe.
 */
final class TierWalk<K, V> {

  private final LocalTier<K, V> local;
  private final LowerTiers<K, V> lower;
  private final FillGuard<K, V> guard;
  private final Ticker ticker;
  private final ObserverChain observers;

  TierWalk(
      LocalTier<K, V> local,
      LowerTiers<K, V> lower,
      FillGuard<K, V> guard,
      Ticker ticker,
      ObserverChain observers) {
    this.local = local;
    this.lower = lower;
    this.guard = guard;
    this.ticker = ticker;
    this.observers = observers;
  }

  /**
   * Walks {@code keys} for a load: answers a key found fresh, or within its stale-while-revalidate
   * window (then marked for a background reload); records in {@code fallbacks} the latest-expiring
   * entry found expired but retained. Keys left out of the answer must be loaded.
   *
   * <p>The local tier is read again first: its caller missed it before claiming the keys, and a
   * load that ended in between has filled it. Without this second look, a caller that missed
   * just before the fill and claimed just after the claim ended would load the key again.
   */
  Map<K, Resolved<V>> forLoad(
      Collection<K> keys, Map<K, Ticket> tickets, Map<K, Fallback<V>> fallbacks) {
    Map<K, Resolved<V>> filled = new LinkedHashMap<>();
    long now = ticker.read();
    for (K key : keys) {
      CacheEntry<V> entry = local.get(key);
      if (entry != null && entry.isFresh(now)) {
        filled.put(key, Resolved.fresh(entry, LocalTier.NAME));
      }
    }
    if (filled.isEmpty()) {
      return walk(keys, tickets, fallbacks, false);
    }
    Set<K> rest = new LinkedHashSet<>(keys);
    rest.removeAll(filled.keySet());
    filled.putAll(walk(rest, tickets, fallbacks, false));
    return filled;
  }

  /**
   * Walks {@code keys} for a peek ({@code getIfPresent}): answers only what is fresh, promoting it.
   */
  Map<K, Resolved<V>> forPeek(Collection<K> keys) {
    Map<K, Ticket> tickets = new LinkedHashMap<>();
    for (K key : keys) {
      tickets.put(key, guard.ticket(key));
    }
    return walk(keys, tickets, Map.of(), true);
  }

  /**
   * Takes the lower tiers' leases on {@code keys}, which a load is about to fetch; a key stored
   * since the walk read it (another instance's load, a put), or while this load waited for its
   * lease, is put in {@code filled} (and promoted) and needs no load.
   */
  LoadLeases<K, V> lease(
      Collection<K> keys, Map<K, Ticket> tickets, Map<K, Resolved<V>> filled) {
    LoadLeases<K, V> leases = lower.lease(keys, false);
    long now = ticker.read();
    for (K key : keys) {
      LoadLeases.Found<V> found = leases.found(key);
      if (found != null && found.entry().isFresh(now)) {
        guard.promote(key, found.entry(), found.level(), tickets.get(key));
        filled.put(key, Resolved.fresh(found.entry(), lower.at(found.level()).name()));
      }
    }
    return leases;
  }

  /** Takes the lower tiers' leases on {@code key} for a refresh, without waiting. */
  LoadLeases<K, V> leaseForRefresh(K key) {
    return lower.lease(List.of(key), true);
  }

  private Map<K, Resolved<V>> walk(
      Collection<K> keys, Map<K, Ticket> tickets, Map<K, Fallback<V>> fallbacks, boolean peek) {
    Map<K, Resolved<V>> found = new LinkedHashMap<>();
    Set<K> remaining = new LinkedHashSet<>(keys);
    for (int level = 0; level < lower.size() && !remaining.isEmpty(); level++) {
      GuardedTier<K, V> tier = lower.at(level);
      Map<K, CacheEntry<V>> hits = read(tier, remaining);
      long now = ticker.read();
      for (Map.Entry<K, CacheEntry<V>> hit : hits.entrySet()) {
        K key = hit.getKey();
        CacheEntry<V> entry = hit.getValue();
        if (!remaining.contains(key)) {
          continue;
        }
        if (entry.isFresh(now)) {
          guard.promote(key, entry, level, tickets.get(key));
          found.put(key, Resolved.fresh(entry, tier.name()));
          remaining.remove(key);
        } else if (peek) {
          continue;
        } else if (now - entry.staleWhileRevalidateUntil() < 0) {
          guard.promote(key, entry, level, tickets.get(key));
          observers.staleServed("revalidate");
          found.put(key, new Resolved<>(entry, tier.name(), true, true, null));
          remaining.remove(key);
        } else if (now - entry.retainUntil() < 0) {
          fallbacks.merge(key, new Fallback<>(entry, tier.name()), Fallback::later);
        }
      }
    }
    return found;
  }

  private Map<K, CacheEntry<V>> read(GuardedTier<K, V> tier, Set<K> keys) {
    if (keys.size() > 1) {
      return tier.getAll(keys);
    }
    K key = keys.iterator().next();
    CacheEntry<V> entry = tier.get(key);
    return entry == null ? Map.of() : Map.of(key, entry);
  }
}
