/**
 * The Redis tier of Strata, on Lettuce: hash entries written atomically with their TTL,
 * invalidation through Redis client-side caching, Sentinel and Cluster. Being built; see the
 * project's issues.
 */
@NullMarked
package io.strata.cache.redis;

import org.jspecify.annotations.NullMarked;
