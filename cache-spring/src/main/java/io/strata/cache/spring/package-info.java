/**
 * Spring Framework's cache abstraction over Strata: {@link io.strata.cache.spring.StrataCacheManager}
 * and {@link io.strata.cache.spring.StrataCache} let {@code @Cacheable}, {@code @CachePut} and
 * {@code @CacheEvict} use a {@link io.strata.cache.MultiLevelCache}, local tier and Redis included.
 *
 * <p>Design: caches are {@code MultiLevelCache<String, Object>}. Spring's keys become strings
 * through a {@link io.strata.cache.spring.CacheKeyConverter} (deterministic across JVMs, never
 * {@code hashCode}), so a Redis tier can name them and invalidations from Redis can find them in
 * the local tier. Null values are stored as Spring's {@code NullValue} marker (a real entry, with
 * its own TTL), not as core's negative entries: a negative entry reads as "absent" through {@code
 * getIfPresent}, which Spring could not tell from a miss. A Redis tier therefore needs a codec that
 * knows the marker: {@link io.strata.cache.spring.NullValueCodec} around a codec bound to the
 * cache's value type (no Jackson default typing: Redis bytes are untrusted).
 *
 * <p>Everything in this package is public API; {@code io.strata.cache.spring.internal} is not.
 */
@NullMarked
package io.strata.cache.spring;

import org.jspecify.annotations.NullMarked;
