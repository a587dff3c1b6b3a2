package io.strata.cache;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Fetches values from the source of truth when no tier has them.
 *
 * <p>Called from many threads at once, but never twice at the same time for the same key within
 * one cache: the cache coalesces concurrent misses. A runtime exception thrown here reaches every
 * caller waiting for the key unchanged; a checked one is wrapped in a {@link
 * java.util.concurrent.CompletionException}. Failures are never cached.
 *
 * @param <K> the type of key
 * @param <V> the type of value
 */
@FunctionalInterface
public interface Loader<K, V> {

  /**
   * Returns the value for {@code key}, or null if the source has none (cached as a negative entry
   * when the cache has a negative TTL, otherwise not cached).
   */
  @Nullable V load(K key) throws Exception;

  /**
   * Returns the values for {@code keys}; a key left out of the map has no value. Override it when
   * the source can fetch many keys in one request. The default calls {@link #load} per key.
   */
  default Map<K, V> loadAll(Set<? extends K> keys) throws Exception {
    Map<K, V> result = new HashMap<>(keys.size() * 2);
    for (K key : keys) {
      V value = load(key);
      if (value != null) {
        result.put(key, value);
      }
    }
    return result;
  }

  /**
   * Returns the value for {@code key} with the source's hints (TTL, validators). Override it
   * instead of {@link #load} when the source says how long a value stays fresh, as HTTP does. The
   * default wraps {@link #load}.
   */
  default Loaded<V> loadEntry(K key) throws Exception {
    V value = load(key);
    return value == null ? Loaded.notFound() : Loaded.of(value);
  }

  /**
   * Returns what the source has for each of {@code keys}, with its hints, for {@link
   * MultiLevelCache#getAll} and {@link MultiLevelCache.Advanced#warmUp}. A key left out of the map
   * is {@link Loaded#notFound()}; a key not asked for is ignored. Override it when the source
   * answers many keys at once with hints (as {@code HttpLoader} does). A runtime exception fails
   * every key of the call, each falling back to its stale value where stale-if-error allows it.
   *
   * <p>The default calls {@link #loadEntry} per key. The cache itself calls {@link #loadAll} instead
   * when only that method is overridden, so a loader written for plain values keeps its one batch.
   */
  default Map<K, Loaded<V>> loadAllEntries(Set<? extends K> keys) throws Exception {
    Map<K, Loaded<V>> result = new HashMap<>(keys.size() * 2);
    for (K key : keys) {
      result.put(key, loadEntry(key));
    }
    return result;
  }

  /**
   * Reloads {@code key} whose cached entry is {@code previous}, for refresh-ahead and
   * stale-while-revalidate. A source with validators (ETag) may answer {@link
   * Loaded#notModified()} to keep the old value with a new lifetime. The default calls {@link
   * #loadEntry}.
   */
  default Loaded<V> reload(K key, CacheEntry<V> previous) throws Exception {
    return loadEntry(key);
  }
}
