package io.strata.cache;

/**
 * The source-of-truth side of a write-through cache: {@link MultiLevelCache#put} and {@link
 * MultiLevelCache#invalidate} call it before touching any tier. If it throws, the source may or
 * may not hold the change (a timeout after the write), so the cache forgets the key in every tier
 * rather than guess, and the exception reaches the caller: runtime ones unchanged, checked ones
 * wrapped in a {@link java.util.concurrent.CompletionException}. {@link MultiLevelCache#putAll}
 * calls it once per mapping, in the map's order; if it throws, the mappings it took before are
 * stored (the source holds them), the failing key is forgotten, the rest are left untouched, and
 * the exception is thrown.
 *
 * <p>Called from many threads at once; the cache adds no locking around it.
 *
 * @param <K> the type of key
 * @param <V> the type of value
 */
public interface Writer<K, V> {

  /** Writes {@code value} for {@code key} to the source of truth. */
  void write(K key, V value) throws Exception;

  /** Deletes {@code key} from the source of truth. */
  void delete(K key) throws Exception;
}
