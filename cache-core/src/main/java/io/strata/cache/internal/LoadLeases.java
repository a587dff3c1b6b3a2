package io.strata.cache.internal;

import io.strata.cache.CacheEntry;
import io.strata.cache.TierLease;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The leases one load took in the lower tiers ({@link TierLease}): what its stores present to each
 * tier, and what it gives back for the keys it ends up storing nowhere. A tier that could not
 * lease (it failed) is not written by this load at all: without a lease, a store could write back
 * a value older than a change made meanwhile. Owned by the thread leading the load.
 */
final class LoadLeases<K, V> {

  /** A fresh entry a tier holds by the time the load asked for its lease. */
  record Found<V>(int level, CacheEntry<V> entry) {}

  private final List<GuardedTier<K, V>> tiers;
  /** Per level, the leases not yet used or given back; null when the tier failed to lease. */
  private final List<@Nullable Map<K, TierLease<V>>> open;

  private LoadLeases(List<GuardedTier<K, V>> tiers, List<@Nullable Map<K, TierLease<V>>> open) {
    this.tiers = tiers;
    this.open = open;
  }

  /** Takes the leases of every tier, lowest first, on {@code keys}. */
  static <K, V> LoadLeases<K, V> take(
      List<GuardedTier<K, V>> tiers, Collection<K> keys, boolean refresh) {
    List<@Nullable Map<K, TierLease<V>>> open =
        new ArrayList<>(Collections.nCopies(tiers.size(), null));
    for (int level = tiers.size() - 1; level >= 0; level--) {
      Map<K, TierLease<V>> leases = tiers.get(level).lease(keys, refresh);
      open.set(level, leases == null ? null : new HashMap<>(leases));
    }
    return new LoadLeases<>(tiers, open);
  }

  /** Returns the leases left at {@code level}, or null if that tier failed to lease. */
  @Nullable Map<K, TierLease<V>> at(int level) {
    return open.get(level);
  }

  /** Returns the highest tier's entry found fresh for {@code key} when leasing, if any. */
  @Nullable Found<V> found(K key) {
    for (int level = 0; level < open.size(); level++) {
      Map<K, TierLease<V>> leases = open.get(level);
      TierLease<V> lease = leases == null ? null : leases.get(key);
      if (lease != null && lease.entry() != null) {
        return new Found<>(level, lease.entry());
      }
    }
    return null;
  }

  /** Returns whether some tier answered that another load holds the lease on {@code key}. */
  boolean heldElsewhere(K key) {
    for (Map<K, TierLease<V>> leases : open) {
      TierLease<V> lease = leases == null ? null : leases.get(key);
      if (lease != null && lease.token() != null && !lease.isHeld()) {
        return true;
      }
    }
    return false;
  }

  /** Records that the leases of {@code keys} at {@code level} were used (stored or refused). */
  void used(int level, Collection<K> keys) {
    Map<K, TierLease<V>> leases = open.get(level);
    if (leases != null) {
      leases.keySet().removeAll(keys);
    }
  }

  /** Gives back every lease still open (its key was stored nowhere in that tier); call once. */
  void releaseRest() {
    for (int level = 0; level < open.size(); level++) {
      Map<K, TierLease<V>> leases = open.get(level);
      if (leases == null || leases.isEmpty()) {
        continue;
      }
      Map<K, TierLease<V>> held = new HashMap<>();
      leases.forEach(
          (key, lease) -> {
            if (lease.isHeld()) {
              held.put(key, lease);
            }
          });
      if (!held.isEmpty()) {
        tiers.get(level).release(held);
      }
    }
  }
}
