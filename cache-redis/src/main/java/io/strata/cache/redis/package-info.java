/**
 * The Redis tier of Strata, on Lettuce. {@link io.strata.cache.redis.RedisCacheClient} is the
 * shared connection, {@link io.strata.cache.redis.RedisTier} builds the tier of one cache. Entries
 * are hashes written atomically with their TTL; failures of Redis become misses and writes not
 * taken (changes journaled and replayed when it is back) behind a circuit breaker. Loads store
 * under leases, so a load never writes back a value older than a change of its key made on any
 * instance. See the module README for the layout, commands and defaults.
 */
@NullMarked
package io.strata.cache.redis;

import org.jspecify.annotations.NullMarked;
