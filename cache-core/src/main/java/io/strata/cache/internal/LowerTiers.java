package io.strata.cache.internal;

import io.strata.cache.CacheEntry;
import io.strata.cache.TierLease;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tiers below the local one, top first, each behind its {@link GuardedTier} fence. Writes and
 * invalidations go lowest first, so that a tier never holds what the tier below it lacks for
 * longer than the write takes. Thread-safe; tiers are added only while the cache is built, and a
 * tier may report events before the tiers below it exist.
 */
final class LowerTiers<K, V> {

  private volatile List<GuardedTier<K, V>> tiers = List.of();

  /** Adds a tier below the others; only while the cache is built. */
  synchronized void add(GuardedTier<K, V> tier) {
    List<GuardedTier<K, V>> more = new ArrayList<>(tiers);
    more.add(tier);
    tiers = List.copyOf(more);
  }

  int size() {
    return tiers.size();
  }

  /** Returns the tier at {@code level} (0 is the one right below the local tier). */
  GuardedTier<K, V> at(int level) {
    return tiers.get(level);
  }

  List<GuardedTier<K, V>> all() {
    return tiers;
  }

  /** Returns the name of the tier at {@code level}, or {@code otherwise} while it is being built. */
  String nameAt(int level, String otherwise) {
    List<GuardedTier<K, V>> tiers = this.tiers;
    return level < tiers.size() ? tiers.get(level).name() : otherwise;
  }

  /**
   * Writes changes ({@code put}, {@code putAll}) to every tier, lowest first, one batch per tier (a
   * single entry as a plain put); returns whether all took them. A change a tier fails to take is
   * journaled for replay.
   */
  boolean putAll(Map<K, CacheEntry<V>> entries) {
    List<GuardedTier<K, V>> tiers = this.tiers;
    boolean all = true;
    if (entries.size() == 1) {
      Map.Entry<K, CacheEntry<V>> only = entries.entrySet().iterator().next();
      for (int level = tiers.size() - 1; level >= 0; level--) {
        all &= tiers.get(level).putChange(only.getKey(), only.getValue());
      }
      return all;
    }
    for (int level = tiers.size() - 1; level >= 0; level--) {
      all &= tiers.get(level).putAll(entries);
    }
    return all;
  }

  /** Takes every tier's leases on {@code keys}, which a load or a refresh is about to fetch. */
  LoadLeases<K, V> lease(Collection<K> keys, boolean refresh) {
    return LoadLeases.take(tiers, keys, refresh);
  }

  /** What a store of loaded entries came to: whether every tier took it, and the keys refused. */
  record Stored<K>(boolean allTaken, Set<K> refused) {}

  /**
   * Writes loaded {@code entries} to every tier, lowest first, each under the lease its load took
   * there. A key one tier refuses (it changed since the load began) is written to no tier above
   * it; a tier that could not lease is not written.
   */
  Stored<K> putLeased(Map<K, CacheEntry<V>> entries, LoadLeases<K, V> leases) {
    List<GuardedTier<K, V>> tiers = this.tiers;
    boolean all = true;
    Set<K> refused = new HashSet<>();
    Map<K, CacheEntry<V>> remaining = entries;
    for (int level = tiers.size() - 1; level >= 0 && !remaining.isEmpty(); level--) {
      GuardedTier<K, V> tier = tiers.get(level);
      Map<K, TierLease<V>> held = leases.at(level);
      if (held == null) {
        tier.dropped();
        all = false;
        continue;
      }
      Set<K> refusedHere = tier.putLeased(remaining, held);
      if (refusedHere == null) {
        all = false;
        continue;
      }
      leases.used(level, remaining.keySet());
      if (!refusedHere.isEmpty()) {
        refused.addAll(refusedHere);
        remaining = new LinkedHashMap<>(remaining);
        remaining.keySet().removeAll(refusedHere);
      }
    }
    return new Stored<>(all, refused);
  }

  /** Removes {@code key} from every tier above {@code level}. */
  void invalidateAbove(int level, K key) {
    List<GuardedTier<K, V>> tiers = this.tiers;
    for (int above = Math.min(level, tiers.size()) - 1; above >= 0; above--) {
      tiers.get(above).invalidate(key);
    }
  }

  /** Empties every tier above {@code level}. */
  void invalidateAllAbove(int level) {
    List<GuardedTier<K, V>> tiers = this.tiers;
    for (int above = Math.min(level, tiers.size()) - 1; above >= 0; above--) {
      tiers.get(above).invalidateAll();
    }
  }

  void closeAll() {
    List<GuardedTier<K, V>> tiers = this.tiers;
    for (int level = tiers.size() - 1; level >= 0; level--) {
      tiers.get(level).close();
    }
  }
}
