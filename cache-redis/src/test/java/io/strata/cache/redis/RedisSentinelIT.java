package io.strata.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.cache.CacheObserver;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.codec.Codec;
import io.strata.cache.redis.harness.Await;
import io.strata.cache.redis.harness.RedisExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The master is found through a real Sentinel. */
class RedisSentinelIT {

  @RegisterExtension static final RedisExtension redis = RedisExtension.sentinel();

  @Test
  void theMasterIsFoundThroughSentinel() {
    RedisConnectionOptions options =
        RedisConnectionOptions.sentinel(redis.masterName(), redis.sentinels().get(0).uri()).build();
    try (RedisCacheClient client = RedisTierKit.connected(options);
        MultiLevelCache<String, String> cache = RedisSecuritySupport.cacheOn(client, "sentinel")) {
      cache.put("k", "via sentinel");
      assertThat(redis.server().command("HGET", "strata:sentinel:k", "b")).isEqualTo("via sentinel");
    }
  }
}
