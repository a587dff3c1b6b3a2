package io.strata.cache.internal;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Striped counters bumped by every invalidation of a key, plus one epoch bumped by every flush. A
 * load reads both before it reads a lower tier and fills the local tier only if neither moved, so
 * a value read before an invalidation can never land after it. Two keys may share a stripe: that
 * only costs a skipped fill, never a stale one.
 */
final class InvalidationStamps {

  private static final int STRIPES = 1024;

  private final AtomicLongArray stripes = new AtomicLongArray(STRIPES);
  private final AtomicLong epoch = new AtomicLong();

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
    epoch.incrementAndGet();
  }

  boolean unchanged(Object key, long stamp, long epochSeen) {
    return stripes.get(index(key)) == stamp && epoch.get() == epochSeen;
  }

  private static int index(Object key) {
    int h = key.hashCode();
    return (h ^ (h >>> 16)) & (STRIPES - 1);
  }
}
