package io.strata.cache.internal;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Striped counters bumped by every invalidation of a key, plus one epoch bumped by every flush. A
 * read takes a {@link Ticket} before it reads a lower tier and may fill only if neither moved
 * since, so a value read before an invalidation can never land after it. Two keys may share a
 * stripe: that only costs a skipped fill, never a stale one. While any tier is suspended (it cannot
 * hear of changes), and once the cache is closed, nothing fills the local tier at all.
 * Thread-safe and lock-free.
 */
final class InvalidationStamps {

  private static final int STRIPES = 1024;

  /**
   * Flushes count in the high bits, resumes in the low 20: a resume must stop a load begun while
   * suspended from filling the local tier, but need not stop it from writing the tiers below.
   */
  private static final int RESUME_BITS = 20;

  private final AtomicLongArray stripes = new AtomicLongArray(STRIPES);
  private final AtomicLong epoch = new AtomicLong();
  private final AtomicInteger suspensions = new AtomicInteger();

  /** What a read saw before it began: the key's stripe and the epoch. */
  record Ticket(long stamp, long epoch) {}

  Ticket ticket(Object key) {
    // The epoch first: a flush between the two readings then shows as a moved epoch.
    long seenEpoch = epoch.get();
    return new Ticket(stripes.get(index(key)), seenEpoch);
  }

  void bump(Object key) {
    stripes.incrementAndGet(index(key));
  }

  void bumpEpoch() {
    epoch.addAndGet(1L << RESUME_BITS);
  }

  /**
   * Returns whether neither the key was invalidated nor the tiers flushed since {@code ticket}: a
   * value read since then may still be written to the tiers below the local one.
   */
  boolean unchanged(Object key, Ticket ticket) {
    return stripes.get(index(key)) == ticket.stamp()
        && (epoch.get() >>> RESUME_BITS) == (ticket.epoch() >>> RESUME_BITS);
  }

  /** Returns whether a value read since {@code ticket} may fill the local tier. */
  boolean mayFillLocal(Object key, Ticket ticket) {
    return suspensions.get() == 0
        && stripes.get(index(key)) == ticket.stamp()
        && epoch.get() == ticket.epoch();
  }

  /** Counts one more suspended tier: while any is, nothing fills the local tier. */
  void suspend() {
    suspensions.incrementAndGet();
  }

  /** Counts one suspended tier less; the epoch moves, so loads begun while suspended cannot fill. */
  void resume() {
    fenceLocal();
    suspensions.decrementAndGet();
  }

  /**
   * Keeps every read that began before from filling the local tier, without keeping it from
   * writing the tiers below (nothing changed there).
   */
  void fenceLocal() {
    epoch.incrementAndGet();
  }

  private static int index(Object key) {
    int h = key.hashCode();
    return (h ^ (h >>> 16)) & (STRIPES - 1);
  }
}
