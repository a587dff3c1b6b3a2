package io.strata.cache.redis.soak;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The source of truth of the soak: keys {@code k0..k<n-1>}, each with a version that every write
 * bumps, and the time each version was acknowledged (the {@link System#nanoTime()} at which the
 * write returned). Values name their version, {@code "k17@v42"}, so any value read anywhere tells
 * how old it is.
 *
 * <p>Thread-safe. A key's versions are written under its monitor, so versions and their
 * acknowledgement times grow together; {@link #writeLock} is a separate per-key lock the writers
 * hold across "write the source, then tell the cache" so that two writers of one key never reach
 * the cache in the opposite order from the source (an application-level race a cache cannot fix).
 */
public final class VersionedSource {

  private final Key[] keys;
  private final LongAdder reads = new LongAdder();
  private final LongAdder writes = new LongAdder();
  private final int maxLoadDelayMicros;

  /**
   * Creates {@code keyCount} keys at version 0, acknowledged now.
   *
   * @param maxLoadDelayMicros a load waits a random 0..this after reading the source before it
   *     returns, so that loads overlap writes (what makes stale write-backs possible)
   */
  public VersionedSource(int keyCount, int maxLoadDelayMicros) {
    this.maxLoadDelayMicros = maxLoadDelayMicros;
    keys = new Key[keyCount];
    long now = System.nanoTime();
    for (int i = 0; i < keyCount; i++) {
      keys[i] = new Key(now);
    }
  }

  /** Returns how many keys there are. */
  public int size() {
    return keys.length;
  }

  /** Returns the name of key number {@code i}: {@code "k<i>"}. */
  public static String key(int i) {
    return "k" + i;
  }

  /** Returns the value naming {@code version} of {@code key}: {@code "k17@v42"}. */
  public static String value(String key, int version) {
    return key + "@v" + version;
  }

  /**
   * Returns the version a value names.
   *
   * @throws IllegalArgumentException if {@code value} is not {@code "<key>@v<n>"} for {@code key}
   */
  public static int versionOf(String key, String value) {
    if (!value.startsWith(key + "@v")) {
      throw new IllegalArgumentException("value " + value + " is not a version of " + key);
    }
    return Integer.parseInt(value.substring(key.length() + 2));
  }

  /** Writes a new version of {@code key} and returns it; acknowledged when this returns. */
  public int write(String key) {
    Key k = of(key);
    int version;
    synchronized (k) {
      version = k.latest + 1;
      if (version == k.acks.length) {
        k.acks = Arrays.copyOf(k.acks, version * 2);
      }
      k.acks[version] = System.nanoTime();
      k.latest = version;
    }
    writes.increment();
    return version;
  }

  /** Reads the source as a loader does: the latest value, then a random delay of a few ms. */
  public String load(String key) throws InterruptedException {
    String value = value(key, latest(key));
    reads.increment();
    int delay =
        maxLoadDelayMicros == 0 ? 0 : ThreadLocalRandom.current().nextInt(maxLoadDelayMicros);
    if (delay > 0) {
      Thread.sleep(delay / 1000, (delay % 1000) * 1000);
    }
    return value;
  }

  /** Returns the latest version of {@code key}. */
  public int latest(String key) {
    Key k = of(key);
    synchronized (k) {
      return k.latest;
    }
  }

  /** Returns when {@code version} of {@code key} was acknowledged (nanoTime). */
  public long ackTime(String key, int version) {
    Key k = of(key);
    synchronized (k) {
      if (version < 0 || version > k.latest) {
        throw new IllegalArgumentException(key + " has no version " + version);
      }
      return k.acks[version];
    }
  }

  /** Returns the newest version of {@code key} acknowledged strictly before {@code nanos}. */
  public int newestAckedBefore(String key, long nanos) {
    Key k = of(key);
    synchronized (k) {
      return newestBefore(k, nanos);
    }
  }

  /**
   * Returns how stale a read of {@code key} that began at {@code readStart} and returned {@code
   * version} is: 0 if no newer version was acknowledged before the read began, else {@code
   * readStart} minus the acknowledgement of the first version newer than the one returned.
   */
  public long stalenessNanos(String key, int version, long readStart) {
    Key k = of(key);
    synchronized (k) {
      int newest = newestBefore(k, readStart);
      if (version >= newest) {
        return 0;
      }
      return readStart - k.acks[version + 1];
    }
  }

  /** The per-key lock writers hold across the source write and the cache call that follows. */
  public ReentrantLock writeLock(String key) {
    return of(key).writeLock;
  }

  /** Returns how many loads read the source. */
  public long loads() {
    return reads.sum();
  }

  /** Returns how many writes the source took. */
  public long writes() {
    return writes.sum();
  }

  private static int newestBefore(Key k, long nanos) {
    // acks[0..latest] ascend (written under the monitor, nanoTime is monotonic): binary search.
    int lo = 0;
    int hi = k.latest;
    if (k.acks[0] - nanos >= 0) {
      return 0; // cannot happen after construction; the initial version counts as known
    }
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (k.acks[mid] - nanos < 0) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  private Key of(String key) {
    if (key.length() < 2 || key.charAt(0) != 'k') {
      throw new IllegalArgumentException("not a soak key: " + key);
    }
    return keys[Integer.parseInt(key, 1, key.length(), 10)];
  }

  private static final class Key {
    final ReentrantLock writeLock = new ReentrantLock();
    long[] acks = new long[16];
    int latest;

    Key(long createdAt) {
      acks[0] = createdAt;
    }
  }
}
