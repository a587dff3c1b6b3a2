package io.strata.cache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Hot-key admission to the local tier: a key is admitted once it has missed the local tier a given
 * number of times, so cold keys stay in the lower tiers. Admits everything when the threshold is
 * 1. Thread-safe.
 */
final class LocalAdmission<K> {

  private final int reads;
  private final @Nullable Cache<K, AtomicInteger> counts;

  LocalAdmission(int reads, long maximumKeys) {
    this.reads = reads;
    // Maintenance on the calling thread, as in the local tier (see LocalTier).
    this.counts =
        reads > 1
            ? Caffeine.newBuilder()
                .maximumSize(Math.max(1_000, maximumKeys))
                .executor(Runnable::run)
                .build()
            : null;
  }

  /** Counts a read of {@code key} that missed the local tier. */
  void missed(K key) {
    Cache<K, AtomicInteger> c = counts;
    if (c != null) {
      c.get(key, k -> new AtomicInteger()).incrementAndGet();
    }
  }

  boolean admits(K key) {
    Cache<K, AtomicInteger> c = counts;
    if (c == null) {
      return true;
    }
    AtomicInteger seen = c.getIfPresent(key);
    return seen != null && seen.get() >= reads;
  }
}
