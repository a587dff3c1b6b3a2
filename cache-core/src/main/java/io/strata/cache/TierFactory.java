package io.strata.cache;

/**
 * Creates a {@link CacheTier} for one cache, once, when the cache is built. The factory receives
 * the cache's name, clock and event sink, so a tier never needs them repeated in its own
 * configuration.
 *
 * @param <K> the type of key
 * @param <V> the type of value
 */
@FunctionalInterface
public interface TierFactory<K, V> {

  /** Returns a new tier for the cache described by {@code context}. */
  CacheTier<K, V> create(TierContext<K> context);
}
