package io.strata.cache.internal;

import io.strata.cache.CacheEntry;

/**
 * An expired entry kept at hand while its key loads: the previous entry a reload revalidates, and
 * what stale-if-error and the load timeouts may answer with.
 */
record Fallback<V>(CacheEntry<V> entry, String tier) {

  /** Returns whether the entry may be served stale at {@code now} (its stale-if-error window). */
  boolean servableAt(long now) {
    return now - entry.staleIfErrorUntil() < 0;
  }

  /** Returns whichever of {@code current} and {@code candidate} expires later. */
  static <V> Fallback<V> later(Fallback<V> current, Fallback<V> candidate) {
    return candidate.entry().expiresAt() - current.entry().expiresAt() > 0 ? candidate : current;
  }
}
