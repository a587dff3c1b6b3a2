package io.strata.cache.internal;

import io.strata.cache.CacheEntry;
import org.jspecify.annotations.Nullable;

/**
 * The answer to a read of one key: the entry (null when absent), the tier that served it (null
 * when loaded or absent), whether it is stale, whether the leader must start a background reload
 * once it has released its claim on the key, and the load failure a stale answer stands in for.
 */
record Resolved<V>(
    @Nullable CacheEntry<V> entry,
    @Nullable String tier,
    boolean stale,
    boolean revalidate,
    @Nullable Throwable failure) {

  private static final Resolved<?> MISS = new Resolved<>(null, null, false, false, null);

  static <V> Resolved<V> fresh(CacheEntry<V> entry, @Nullable String tier) {
    return new Resolved<>(entry, tier, false, false, null);
  }

  /** An answer past its expiry, served while a timeout or a stale-while-revalidate lets it. */
  static <V> Resolved<V> stale(CacheEntry<V> entry, String tier) {
    return new Resolved<>(entry, tier, true, false, null);
  }

  /** An answer past its expiry, served in place of a load that failed with {@code failure}. */
  static <V> Resolved<V> staleAfter(CacheEntry<V> entry, String tier, Throwable failure) {
    return new Resolved<>(entry, tier, true, false, failure);
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
