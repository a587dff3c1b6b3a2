package io.strata.cache.internal;

import io.strata.cache.CacheEntry;
import org.jspecify.annotations.Nullable;

/**
 * The answer to a read of one key: the entry (null when absent), the tier that served it (null
 * when loaded or absent), whether it is stale, and whether the leader must start a background
 * reload once it has released its claim on the key.
 */
record Resolved<V>(
    @Nullable CacheEntry<V> entry, @Nullable String tier, boolean stale, boolean revalidate) {

  private static final Resolved<?> MISS = new Resolved<>(null, null, false, false);

  static <V> Resolved<V> fresh(CacheEntry<V> entry, @Nullable String tier) {
    return new Resolved<>(entry, tier, false, false);
  }

  static <V> Resolved<V> stale(CacheEntry<V> entry, String tier) {
    return new Resolved<>(entry, tier, true, false);
  }

  @SuppressWarnings("unchecked")
  static <V> Resolved<V> miss() {
    return (Resolved<V>) MISS;
  }

  @Nullable V value() {
    CacheEntry<V> e = entry;
    return e == null ? null : e.value();
  }
}
