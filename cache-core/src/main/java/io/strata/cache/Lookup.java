package io.strata.cache;

import org.jspecify.annotations.Nullable;

/**
 * A value together with where it came from, as returned by {@link MultiLevelCache#lookup}: what an
 * HTTP endpoint needs for an {@code X-Cache: HIT-LOCAL | HIT-REDIS | MISS} header. Immutable.
 *
 * @param value the value, or null if neither the tiers nor the loader have one
 * @param tier the name of the tier that served it, or null when it was loaded from the source
 *     (a miss) or not found
 * @param stale whether the value is past its time to live and was served under a stale policy
 * @param <V> the type of value
 */
public record Lookup<V>(@Nullable V value, @Nullable String tier, boolean stale) {

  /** Returns whether a tier served the value (fresh or stale). */
  public boolean isHit() {
    return tier != null;
  }
}
