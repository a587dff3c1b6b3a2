package io.strata.cache.spring;

import io.strata.cache.MultiLevelCacheBuilder;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * How {@link StrataCacheManager} builds the cache of a name: a builder with its TTLs, bounds and
 * tiers. Called once per cache name, from whichever thread first asks for it; must be thread-safe.
 *
 * <pre>{@code
 * StrataCacheSpec spec = name -> MultiLevelCache.<String, Object>builder(name)
 *     .ttl(Duration.ofMinutes(10))
 *     .maximumSize(10_000);
 * }</pre>
 *
 * <p>The builder must not have a loader: each Spring call brings its own.
 */
@FunctionalInterface
public interface StrataCacheSpec {

  /** Returns a builder of the cache called {@code name}, not yet built. */
  MultiLevelCacheBuilder<String, Object> builder(String name);

  /**
   * Returns how long a null value is remembered in cache {@code name} (when the manager allows
   * null values), or null for the cache's TTL. The default returns null.
   */
  default @Nullable Duration nullValueTtl(String name) {
    return null;
  }
}
