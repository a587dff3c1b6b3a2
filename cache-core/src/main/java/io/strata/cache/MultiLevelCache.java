package io.strata.cache;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * A cache in levels: a local in-process tier over zero or more lower tiers (Redis, a disk) over a
 * {@link Loader} for the source of truth. Reads go down the tiers until one has the key and fill
 * the tiers above with the entry's remaining lifetime; writes and invalidations go to the lowest
 * tier first, then upward.
 *
 * <p><b>Thread safety.</b> All methods are safe to call from many threads. Concurrent misses for
 * one key in one cache share one walk of the lower tiers and at most one loader call; every caller
 * gets the same result or the same exception. A slow load of one key never delays reads of other
 * keys.
 *
 * <p><b>Failures.</b> A lower tier that fails is skipped (reads) or ignored (writes); its
 * exceptions never reach the caller. A loader's runtime exception reaches every caller waiting for
 * that key unchanged; a checked one is wrapped in a {@link java.util.concurrent.CompletionException}.
 * Failures are not cached. With stale-if-error configured, a failed load answers with the last
 * value instead, within the configured bound.
 *
 * <p><b>Nulls.</b> Keys and values are never null; a method given one throws {@link
 * NullPointerException} naming the argument. A loader that returns null means "not found": the
 * read returns null, and the cache remembers the absence for {@link
 * MultiLevelCacheBuilder#negativeTtl} if one is set.
 *
 * <p>Built by {@link #builder(String)}.
 *
 * @param <K> the type of key
 * @param <V> the type of value
 */
public interface MultiLevelCache<K, V> extends AutoCloseable {

  /**
   * Starts a builder for a cache called {@code name}, which appears in metrics, logs and (for
   * remote tiers) in stored keys.
   *
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is blank or contains whitespace or ':'
   */
  static <K, V> MultiLevelCacheBuilder<K, V> builder(String name) {
    return new MultiLevelCacheBuilder<>(name);
  }

  /** Returns the cache's name. */
  String name();

  /**
   * Returns the value for {@code key}, loading it with the cache's loader if no tier has it.
   *
   * @return the value, or null if the loader has none
   * @throws IllegalStateException if the cache was built without a loader
   */
  @Nullable V get(K key);

  /**
   * Returns the value for {@code key}, loading it with {@code loader} if no tier has it
   * (cache-aside).
   *
   * @return the value, or null if the loader has none
   */
  @Nullable V get(K key, Loader<? super K, V> loader);

  /** Returns the value for {@code key} if some tier has it, without loading; null otherwise. */
  @Nullable V getIfPresent(K key);

  /**
   * Returns the values for {@code keys}, each read as {@link #get(Object)} reads it (freshness,
   * stale serving, storage, timeouts), in the order of {@code keys}. The keys no tier has are
   * claimed together and loaded with one {@link Loader#loadAllEntries} call ({@link
   * Loader#loadAll} if only that is overridden; one {@link Loader#loadEntry} per key if neither
   * is); keys another caller is loading are waited for. Keys without a value are left out of the
   * map; a cache without a loader returns only what its tiers have.
   *
   * @throws NullPointerException if {@code keys} or one of them is null, before anything is read
   */
  Map<K, V> getAll(Collection<? extends K> keys);

  /**
   * Returns a future of {@link #get(Object)}, loading on the cache's executor. Cancelling the
   * future never cancels the load that other callers share.
   */
  CompletableFuture<@Nullable V> getAsync(K key);

  /** Returns a future of {@link #getAll}, loading on the cache's executor. */
  CompletableFuture<Map<K, V>> getAllAsync(Collection<? extends K> keys);

  /**
   * Returns the value for {@code key} with the name of the tier that served it, loading it with
   * the cache's loader if no tier has it.
   *
   * @throws IllegalStateException if the cache was built without a loader
   */
  Lookup<V> lookup(K key);

  /**
   * Stores {@code value} for {@code key} in every tier, lowest first, with the TTL of the cache's
   * {@link TtlPolicy}. With a {@link Writer}, writes to the source of truth first.
   */
  void put(K key, V value);

  /**
   * Stores {@code value} for {@code key} in every tier with an explicit time to live.
   *
   * @throws IllegalArgumentException if {@code ttl} is zero or negative
   */
  void put(K key, V value, Duration ttl);

  /** Stores every mapping of {@code map}, in one batch per tier. */
  void putAll(Map<? extends K, ? extends V> map);

  /**
   * Removes {@code key} from every tier, lowest first. With a {@link Writer}, deletes from the
   * source of truth first. Loads of the key under way do not fill any tier with what they read.
   */
  void invalidate(K key);

  /** Removes every entry of this cache from every tier, lowest first. */
  void invalidateAll();

  /** Returns a snapshot of the cache's counters. */
  CacheStats stats();

  /** Returns access to rare operations: warming, per-tier health, observers. */
  Advanced<K, V> advanced();

  /**
   * Closes the lower tiers and empties the local one. Idempotent. Afterwards reads and writes
   * throw {@link IllegalStateException}; {@link #name()} and {@link #stats()} still answer.
   */
  @Override
  void close();

  /**
   * Operations most callers never need. Thread-safe, like the cache.
   *
   * @param <K> the type of key
   * @param <V> the type of value
   */
  interface Advanced<K, V> {

    /** Returns the names of the tiers, top (local) first. */
    List<String> tierNames();

    /** Returns each tier's health, by tier name, top first. */
    Map<String, TierHealth> health();

    /** Returns the estimated number of entries in the local tier. */
    long estimatedLocalSize();

    /**
     * Returns how many reads the local tier answered, counted by the cache. Observers also hear
     * {@code tierHit("local")}, but a meter should read this count instead of keeping its own: on
     * the hot path one more atomic add costs about a quarter of a hit.
     */
    long localHitCount();

    /**
     * Loads into every tier whatever of {@code keys} is missing, with one bulk load as {@link
     * MultiLevelCache#getAll} makes it, and promotes into the local tier what a lower tier already
     * has.
     *
     * @return the number of keys that now have a value
     * @throws IllegalStateException if the cache has no loader
     */
    int warmUp(Collection<? extends K> keys);

    /**
     * Reloads {@code key} from the source in the background, coalesced with any load under way,
     * and stores the result in every tier. If the reload fails, the tiers keep what they had.
     *
     * @return a future of the new value (null if the source has none), failed with the loader's
     *     exception if the reload failed
     * @throws IllegalStateException if the cache has no loader
     */
    CompletableFuture<@Nullable V> refresh(K key);

    /**
     * Adds {@code observer}; it hears every event from now on, until the returned handle is
     * closed. Used by metrics binders that attach after the cache is built.
     */
    AutoCloseable addObserver(CacheObserver observer);
  }
}
