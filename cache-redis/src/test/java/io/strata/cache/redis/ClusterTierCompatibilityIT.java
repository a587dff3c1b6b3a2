package io.strata.cache.redis;

import io.strata.cache.redis.harness.RedisExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The tier contract on a real cluster Redis. */
class ClusterTierCompatibilityIT extends RedisTierKit {

  @RegisterExtension static final RedisExtension REDIS = RedisExtension.cluster();

  private static RedisCacheClient client;

  @BeforeAll
  static void connect() {
    client = connected(RedisConnectionOptions.cluster(REDIS.uri()).build());
  }

  @AfterAll
  static void disconnect() {
    client.close();
  }

  @Override
  RedisCacheClient client() {
    return client;
  }
}
