package io.strata.cache.redis;

import io.strata.cache.CacheTier;
import io.strata.cache.TierContext;
import io.strata.cache.codec.Codec;
import io.strata.cache.redis.harness.Await;
import io.strata.cache.testkit.CacheTierCompatibilityKit;
import java.time.Duration;

/** The core's tier contract run against a Redis tier; subclasses provide the server. */
abstract class RedisTierKit extends CacheTierCompatibilityKit {

  /** Returns the client of the subclass's server, connected. */
  abstract RedisCacheClient client();

  static RedisCacheClient connected(RedisConnectionOptions options) {
    RedisCacheClient client = RedisCacheClient.create(options);
    Await.until(Duration.ofSeconds(10), client::isConnected, "the client to connect to Redis");
    return client;
  }

  /** Waits until {@code cache}'s local tier may fill: its Redis tier hears invalidations. */
  static void awaitCoherent(io.strata.cache.MultiLevelCache<String, ?> cache) {
    Await.until(
        Duration.ofSeconds(10),
        () -> {
          // A call lets an open breaker probe; health alone never reaches Redis.
          cache.getIfPresent("awaiting-coherence");
          return cache.advanced().health().get("redis").state()
              == io.strata.cache.TierHealth.State.UP;
        },
        "cache '" + cache.name() + "' to hear invalidations from Redis");
  }

  @Override
  protected CacheTier<String, String> createTier(TierContext<String> context) {
    CacheTier<String, String> tier = RedisTier.factory(client(), Codec.utf8()).create(context);
    Await.until(
        Duration.ofSeconds(10),
        () -> tier.health().state() == io.strata.cache.TierHealth.State.UP,
        "the new tier's namespace to be tracked");
    return tier;
  }

  @Override
  protected void letTimePass(Duration duration) {
    super.letTimePass(duration);
    // Redis expires keys on its own clock.
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
