package io.strata.cache.internal;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Striped counters bumped by every invalidation of a key, plus one epoch bumped by every flush. A
 * load reads both before it reads a lower tier and fills the local tier only if neither moved, so
 * a value read before an invalidation can never land after it. Two keys may share a stripe: that
 * only costs a skipped fill, never a stale one. While any tier is suspended (it cannot hear of
 * changes), nothing fills the local tier at all.
 */
final class InvalidationStamps {

  private static final int STRIPES = 1024;

  private final AtomicLongArray stripes = new AtomicLongArray(STRIPES);
  /**
   * Flushes count in the high bits, resumes in the low 20: a resume must stop a load begun while
   * suspended from filling the local tier, but need not stop it from writing the tiers below.
   */
  private final AtomicLong epoch = new AtomicLong();

  private static final int RESUME_BITS = 20;
  private final java.util.concurrent.atomic.AtomicInteger suspensions =
      new java.util.concurrent.atomic.AtomicInteger();

  long stamp(Object key) {
    return stripes.get(index(key));
  }

  long epoch() {
    return epoch.get();
  }

  void bump(Object key) {
    stripes.incrementAndGet(index(key));
  }

  void bumpEpoch() {
    epoch.addAndGet(1L << RESUME_BITS);
  }

  /** Returns whether neither the key was invalidated nor the tiers flushed since the readings. */
  boolean unchanged(Object key, long stamp, long epochSeen) {
    return stripes.get(index(key)) == stamp
        && (epoch.get() >>> RESUME_BITS) == (epochSeen >>> RESUME_BITS);
  }

  /** Returns whether a value read since {@code stamp} and {@code epochSeen} may fill the local tier. */
  boolean mayFillLocal(Object key, long stamp, long epochSeen) {
    return suspensions.get() == 0
        && stripes.get(index(key)) == stamp
        && epoch.get() == epochSeen;
  }

  /** Counts one more suspended tier; the epoch moves, so loads under way cannot fill. */
  void suspend() {
    suspensions.incrementAndGet();
    bumpEpoch();
  }

  /** Counts one suspended tier less; the epoch moves, so loads begun while suspended cannot fill. */
  void resume() {
    epoch.incrementAndGet();
    suspensions.decrementAndGet();
  }

  private static int index(Object key) {
    int h = key.hashCode();
    return (h ^ (h >>> 16)) & (STRIPES - 1);
  }
}
