package io.strata.cache;

/**
 * A snapshot of a cache's counters, as callers see the cache (not per tier). Immutable; {@link
 * #minus} gives the activity between two snapshots. Counters only grow; they saturate at {@link
 * Long#MAX_VALUE}.
 *
 * @param hitCount reads answered by some tier, including stale answers
 * @param missCount reads no tier could answer, including callers that waited for a load another
 *     caller started
 * @param loadSuccessCount loader calls that returned (a value or "not found")
 * @param loadFailureCount loader calls that threw or timed out
 * @param totalLoadTime nanoseconds spent in loader calls, successful or not
 * @param evictionCount entries the local tier evicted for size
 * @param putCount explicit writes ({@code put}, {@code putAll})
 */
public record CacheStats(
    long hitCount,
    long missCount,
    long loadSuccessCount,
    long loadFailureCount,
    long totalLoadTime,
    long evictionCount,
    long putCount) {

  private static final CacheStats EMPTY = new CacheStats(0, 0, 0, 0, 0, 0, 0);

  /** Returns a snapshot with every counter at zero. */
  public static CacheStats empty() {
    return EMPTY;
  }

  /** Returns {@code hitCount + missCount}. */
  public long requestCount() {
    return saturatedAdd(hitCount, missCount);
  }

  /** Returns the ratio of hits to requests, 1.0 when there were none. */
  public double hitRate() {
    long requests = requestCount();
    return requests == 0 ? 1.0 : (double) hitCount / requests;
  }

  /** Returns the counters of this snapshot minus those of {@code other}, floored at zero. */
  public CacheStats minus(CacheStats other) {
    return new CacheStats(
        Math.max(0, hitCount - other.hitCount),
        Math.max(0, missCount - other.missCount),
        Math.max(0, loadSuccessCount - other.loadSuccessCount),
        Math.max(0, loadFailureCount - other.loadFailureCount),
        Math.max(0, totalLoadTime - other.totalLoadTime),
        Math.max(0, evictionCount - other.evictionCount),
        Math.max(0, putCount - other.putCount));
  }

  /** Returns the sum of this snapshot and {@code other}. */
  public CacheStats plus(CacheStats other) {
    return new CacheStats(
        saturatedAdd(hitCount, other.hitCount),
        saturatedAdd(missCount, other.missCount),
        saturatedAdd(loadSuccessCount, other.loadSuccessCount),
        saturatedAdd(loadFailureCount, other.loadFailureCount),
        saturatedAdd(totalLoadTime, other.totalLoadTime),
        saturatedAdd(evictionCount, other.evictionCount),
        saturatedAdd(putCount, other.putCount));
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }
}
