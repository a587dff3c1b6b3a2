/**
 * Real Redis for tests, never a mock: {@link io.strata.cache.redis.harness.RedisExtension}
 * (standalone, cluster, TLS, Sentinel; from REDIS_URL, redis-server on PATH, or Testcontainers),
 * {@link io.strata.cache.redis.harness.RedisNode} (admin commands and process faults: SIGSTOP,
 * CLIENT KILL, restart), {@link io.strata.cache.redis.harness.FaultProxy} (network faults),
 * {@link io.strata.cache.redis.harness.TlsMaterial} and {@link
 * io.strata.cache.redis.harness.Await}. {@code HarnessIT} is its self-test.
 */
@NullMarked
package io.strata.cache.redis.harness;

import org.jspecify.annotations.NullMarked;
