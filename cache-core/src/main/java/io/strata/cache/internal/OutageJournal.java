package io.strata.cache.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The keys whose latest change one lower tier did not take, to be replayed as invalidations when
 * it recovers; bounded: past its capacity it forgets the keys and remembers only that the tier's
 * whole share of the cache must be invalidated. While a key is here the tier is not read for it
 * (it may still hold the value the change replaced). Thread-safe.
 */
final class OutageJournal<K> {

  private final int capacity;
  private final Set<K> keys = ConcurrentHashMap.newKeySet();
  private volatile boolean overflowed;

  OutageJournal(int capacity) {
    this.capacity = capacity;
  }

  /** Remembers that the tier did not take the latest change of {@code key}. */
  void add(K key) {
    if (overflowed) {
      return;
    }
    if (keys.add(key) && keys.size() > capacity) {
      overflow();
    }
  }

  /** Remembers that the tier did not take a change of every key (a failed flush, an overflow). */
  void overflow() {
    overflowed = true;
    // Keys added meanwhile are covered by the flag.
    keys.clear();
  }

  /** Returns whether nothing is waiting to be replayed. */
  boolean isEmpty() {
    return !overflowed && keys.isEmpty();
  }

  /** Returns whether the tier must not be read for {@code key} until the journal is replayed. */
  boolean holds(K key) {
    return overflowed || (!keys.isEmpty() && keys.contains(key));
  }

  /** Takes the overflow: the caller invalidates everything, or calls {@link #overflow} again. */
  boolean takeOverflow() {
    if (!overflowed) {
      return false;
    }
    overflowed = false;
    return true;
  }

  /** Returns the keys waiting now, without removing them. */
  List<K> keys() {
    return new ArrayList<>(keys);
  }

  /**
   * Removes {@code key} before its replay, so that a change failing again during the replay adds
   * it back rather than being lost.
   */
  void remove(K key) {
    keys.remove(key);
  }
}
