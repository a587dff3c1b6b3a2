package io.strata.cache.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.MultiLevelCacheBuilder;
import io.strata.cache.TierHealth;
import io.strata.cache.codec.Codec;
import io.strata.cache.redis.CircuitBreakerConfig;
import io.strata.cache.redis.KeyMapper;
import io.strata.cache.redis.RedisCacheClient;
import io.strata.cache.redis.RedisConnectionOptions;
import io.strata.cache.redis.RedisTier;
import io.strata.cache.redis.harness.Await;
import io.strata.cache.redis.harness.CloseAfterEach;
import io.strata.cache.redis.harness.RedisExtension;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The per-tier meters move on a real Redis tier's events: hits, invalidations, flushes, breaker. */
class RedisTierMetersIT {

  @RegisterExtension static final RedisExtension REDIS = RedisExtension.standalone();

  private static final Duration SOON = Duration.ofSeconds(10);

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  @RegisterExtension final CloseAfterEach toClose = new CloseAfterEach();

  @AfterEach
  void closeAll() throws Exception {
    REDIS.server().resume();
  }

  private MultiLevelCache<String, String> instance(String name) {
    return instance(name, false);
  }

  private MultiLevelCache<String, String> instance(String name, boolean strict) {
    RedisCacheClient client =
        RedisCacheClient.create(
            RedisConnectionOptions.standalone(REDIS.uri())
                .commandTimeout(Duration.ofMillis(200))
                .invalidationHeartbeat(Duration.ofMillis(200), Duration.ofMillis(300))
                .build());
    toClose.add(client);
    MultiLevelCacheBuilder<String, String> builder = MultiLevelCache.builder(name);
    if (strict) {
      builder.strictCoherence();
    }
    MultiLevelCache<String, String> cache =
        builder
            .tier(
                RedisTier.builder(client, KeyMapper.strings(), Codec.utf8())
                    .circuitBreaker(
                        CircuitBreakerConfig.builder().openDuration(Duration.ofMinutes(1))
                            .maxOpenDuration(Duration.ofMinutes(1)).build())
                    .build())
            .loader(key -> "loaded-" + key)
            .build();
    toClose.add(cache);
    Await.until(
        SOON,
        () -> {
          cache.getIfPresent("probe");
          return cache.advanced().health().get("redis").state() == TierHealth.State.UP;
        },
        "cache '" + name + "' to hear invalidations");
    return cache;
  }

  private double count(String name, String... tags) {
    var read = registry.find(name).tags(tags).functionCounter();
    if (read != null) {
      return read.count();
    }
    var counter = registry.find(name).tags(tags).counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void aRemoteHit_andAnInvalidationReceived_areCounted() {
    MultiLevelCache<String, String> writer = instance("metered");
    MultiLevelCache<String, String> reader = instance("metered");
    StrataCacheMetrics.monitor(registry, reader);

    writer.put("k", "v");
    assertThat(reader.getIfPresent("k")).isEqualTo("v");
    assertThat(count("cache.tier.gets", "cache", "metered", "tier", "redis", "result", "hit"))
        .isEqualTo(1);

    writer.put("k", "w");
    Await.until(
        SOON,
        () -> count("cache.tier.invalidations.received", "tier", "redis") >= 1,
        "the invalidation to be counted");
  }

  @Test
  void aGapInHearing_isCountedAsAFlushWhenTrackingIsBack() {
    MultiLevelCache<String, String> cache = instance("dropped");
    StrataCacheMetrics.monitor(registry, cache);

    REDIS.server().killClientsNamed("strata-invalidations");

    // The local tier kept serving within its bound; it is flushed once tracking is re-armed.
    Await.until(
        SOON,
        () -> count("cache.tier.flushes", "tier", "redis", "reason", "resume") >= 1,
        "the flush on resume to be counted");
    assertThat(count("cache.tier.flushes", "tier", "redis", "reason", "disconnect")).isZero();
  }

  @Test
  void inStrictMode_aFlushOnDisconnect_isCountedWithItsReason() {
    MultiLevelCache<String, String> cache = instance("dropped-strict", true);
    StrataCacheMetrics.monitor(registry, cache);

    REDIS.server().killClientsNamed("strata-invalidations");

    Await.until(
        SOON,
        () -> count("cache.tier.flushes", "tier", "redis", "reason", "disconnect") >= 1,
        "the flush on disconnect to be counted");
  }

  @Test
  void theBreakerOpeningOnAPausedServer_movesTheHealthMeters() {
    MultiLevelCache<String, String> cache = instance("paused");
    StrataCacheMetrics.monitor(registry, cache);
    assertThat(registry.get("cache.tier.health").tag("tier", "redis").gauge().value()).isZero();

    REDIS.server().pause();
    for (int i = 0; i < 5; i++) {
      cache.get("k" + i);
    }

    assertThat(registry.get("cache.tier.health").tag("tier", "redis").gauge().value())
        .as("2 = down").isEqualTo(2);
    assertThat(count("cache.tier.health.transitions", "tier", "redis", "state", "down"))
        .isGreaterThanOrEqualTo(1);
    // Three failures (reads and the writes after loads) opened the breaker; then calls skip Redis.
    assertThat(count("cache.tier.errors", "tier", "redis", "operation", "get"))
        .isGreaterThanOrEqualTo(1);
    assertThat(count("cache.tier.writes.dropped", "tier", "redis")).isGreaterThanOrEqualTo(1);
  }
}
