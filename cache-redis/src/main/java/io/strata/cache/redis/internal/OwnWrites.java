package io.strata.cache.redis.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The writes of one cache whose tracking pushes are its own echo, so that a writer keeps the copy
 * it just wrote instead of evicting it and reading it back from Redis.
 *
 * <p>A plain write sent on the tracking connection is never pushed back ({@code NOLOOP}; see
 * {@link TrackingListener.Subscription#quietWriter}) and is not recorded here. The others are: a
 * load's store, a script, which Redis 7.0 pushes even to the connection that ran it; a Cluster's
 * writes, scripts on the cluster connection; a write sent while tracking is not armed. Each
 * write carries an id of its own in the entry's {@code id} field, the cache records
 * it here before sending the write, and a push for the key is checked against Redis before it is
 * delivered: if the key still holds this cache's id, no write came after its own, and the push is
 * dropped; otherwise (another id, no entry, the check failed) it is delivered. Two writes of one
 * key in flight at once make the key contended, and its pushes are always delivered: the local
 * tier may have stored them in the other order. A push takes the key's record whether it is the
 * echo or not, so a late echo evicts at worst: a lost local hit, never a stale one.
 *
 * <p>Bounded: past {@code capacity} keys whose echo never came (a dropped connection, a failed
 * write) everything is forgotten, and those pushes are delivered. Thread-safe.
 */
final class OwnWrites {

  /** The record of a key written twice at once: every push for it is delivered. */
  static final byte[] CONTENDED = new byte[0];

  private static final long PROCESS = new java.security.SecureRandom().nextLong();
  private static final AtomicLong SEQUENCE = new AtomicLong();

  private final ConcurrentHashMap<String, byte[]> expected = new ConcurrentHashMap<>();
  private final int capacity;

  OwnWrites(int capacity) {
    this.capacity = capacity;
  }

  /**
   * Returns an id no other write of any process is expected to carry: a random number per process
   * and a counter.
   */
  static byte[] newId() {
    return (Long.toHexString(PROCESS) + '.' + Long.toHexString(SEQUENCE.incrementAndGet()))
        .getBytes(StandardCharsets.US_ASCII);
  }

  /** Records that this cache is about to write {@code redisKey} with {@code writeId}. */
  void expect(byte[] redisKey, byte[] writeId) {
    if (expected.size() >= capacity) {
      expected.clear();
    }
    expected.merge(name(redisKey), writeId, (earlier, later) -> CONTENDED);
  }

  /** Forgets the write {@code writeId} of {@code redisKey}: Redis refused it, no echo will come. */
  void forget(byte[] redisKey, byte[] writeId) {
    expected.remove(name(redisKey), writeId);
  }

  /**
   * Returns and forgets what this cache expects {@code redisKey} to hold: its write id, {@link
   * #CONTENDED}, or null when it wrote nothing there.
   */
  byte @Nullable [] take(byte[] redisKey) {
    return expected.isEmpty() ? null : expected.remove(name(redisKey));
  }

  /** Forgets every write: the pushes for them may be lost, and the caches flush anyway. */
  void clear() {
    expected.clear();
  }

  /** Returns whether a key holding {@code held} still holds the write {@code expected}. */
  static boolean stillOwn(byte[] expected, @Nullable Object held) {
    return expected != CONTENDED && held instanceof byte[] id && Arrays.equals(expected, id);
  }

  int size() {
    return expected.size();
  }

  private static String name(byte[] redisKey) {
    // One char per byte: a cheap, exact map key.
    return new String(redisKey, StandardCharsets.ISO_8859_1);
  }
}
