package io.strata.cache.internal;

import io.strata.cache.CacheStats;
import java.util.concurrent.atomic.LongAdder;

/** The counters behind {@link io.strata.cache.MultiLevelCache#stats()}. Thread-safe. */
final class CacheCounters {

  // Local hits apart from the others only so that meters can read them (localHitCount) instead of
  // adding one more atomic operation of their own to the hot path.
  final LongAdder localHits = new LongAdder();
  final LongAdder hits = new LongAdder();
  final LongAdder misses = new LongAdder();
  final LongAdder loadSuccesses = new LongAdder();
  final LongAdder loadFailures = new LongAdder();
  final LongAdder loadNanos = new LongAdder();
  final LongAdder puts = new LongAdder();

  /** Counts an answer that came from below the local tier (a hit) or from nowhere (a miss). */
  void answered(Resolved<?> resolved) {
    if (resolved.tier() != null) {
      hits.increment();
    } else {
      misses.increment();
    }
  }

  CacheStats snapshot(long evictions) {
    return new CacheStats(
        localHits.sum() + hits.sum(),
        misses.sum(),
        loadSuccesses.sum(),
        loadFailures.sum(),
        loadNanos.sum(),
        evictions,
        puts.sum());
  }
}
