/**
 * Support for {@code RedisSoakIT}, the staleness soak judged against the source: {@link
 * io.strata.cache.redis.soak.VersionedSource} (the source of truth: a version per key and when
 * each was acknowledged), {@link io.strata.cache.redis.soak.StalenessLedger} (how stale every read
 * was, in fixed memory, judged per mode after the run), {@link
 * io.strata.cache.redis.soak.FaultWindow} (a fault from its start to every instance's recovery plus
 * a grace) and {@link io.strata.cache.redis.soak.SoakObserver} (refused stale fills, outages,
 * flushes).
 */
@NullMarked
package io.strata.cache.redis.soak;

import org.jspecify.annotations.NullMarked;
