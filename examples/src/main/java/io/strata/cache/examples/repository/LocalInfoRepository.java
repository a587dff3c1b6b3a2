package io.strata.cache.examples.repository;

import io.strata.cache.aside.CacheEvict;
import io.strata.cache.aside.Cached;
import org.jspecify.annotations.Nullable;

/**
 * A repository of places, slow behind it (a database, a paid API). The annotations are all the
 * caching there is: {@link io.strata.cache.aside.CacheAside} reads them once and serves {@link
 * #find} through the {@code "places"} cache, and {@link #update} evicts the entry it changed.
 */
public interface LocalInfoRepository {

  /** Returns the place called {@code name}, or null if there is none. */
  @Cached(cache = "places", ttl = "P1D", key = "{0}")
  @Nullable LocalInfo find(String name);

  /** Stores {@code info} for {@code name}; the cached copy is evicted after the write. */
  @CacheEvict(cache = "places", key = "{0}")
  void update(String name, LocalInfo info);
}
