package io.strata.cache;

/**
 * Computes the weight of a value in the local tier, usually its approximate size in bytes. Called
 * from many threads; must be fast, pure and thread-safe.
 *
 * @param <K> the type of key
 * @param <V> the type of value
 */
@FunctionalInterface
public interface Weigher<K, V> {

  /** Returns the weight of {@code value}, never negative. */
  int weigh(K key, V value);
}
