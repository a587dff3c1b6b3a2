package io.strata.cache.redis;

import io.strata.cache.MultiLevelCache;
import io.strata.cache.redis.harness.Await;
import io.strata.cache.redis.harness.RedisExtension;
import io.strata.cache.redis.harness.RedisNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The master is found through a real Sentinel, and followed across a failover. */
class RedisSentinelIT {

  @RegisterExtension static final RedisExtension redis = RedisExtension.sentinel();

  @Test
  void theMasterIsFoundThroughSentinel() {
    RedisConnectionOptions options =
        RedisConnectionOptions.sentinel(redis.masterName(), redis.sentinels().get(0).uri()).build();
    try (RedisCacheClient client = RedisTierKit.connected(options);
        MultiLevelCache<String, String> cache = RedisSecuritySupport.cacheOn(client, "sentinel")) {
      cache.put("k", "via sentinel");
      // Whichever node is master now (a failover test may run first), both end up holding it.
      for (RedisNode node : redis.nodes()) {
        Await.until(
            Duration.ofSeconds(10),
            () -> "via sentinel".equals(node.command("HGET", "strata:sentinel:k", "b")),
            "the write on " + node);
      }
    }
  }

  @Test
  void afterAFailover_cachesFollowTheNewMaster_andStayCoherent() {
    RedisConnectionOptions options =
        RedisConnectionOptions.sentinel(redis.masterName(), redis.sentinels().get(0).uri())
            .invalidationHeartbeat(Duration.ofMillis(200), Duration.ofMillis(300))
            .build();
    try (RedisCacheClient clientA = RedisTierKit.connected(options);
        RedisCacheClient clientB = RedisTierKit.connected(options);
        MultiLevelCache<String, String> a = RedisSecuritySupport.cacheOn(clientA, "failover");
        MultiLevelCache<String, String> b = RedisSecuritySupport.cacheOn(clientB, "failover")) {
      RedisTierKit.awaitCoherent(a);
      RedisTierKit.awaitCoherent(b);
      a.put("k", "before");
      Await.until(Duration.ofSeconds(10), () -> "before".equals(b.getIfPresent("k")), "B reads");
      Await.until(Duration.ofSeconds(10), () -> "local".equals(b.lookup("k").tier()), "k local on B");

      RedisNode replica = redis.replicas().get(0);
      // Sentinel refuses (NOGOODSLAVE) until it has heard from the replica recently enough.
      Await.until(
          Duration.ofSeconds(30),
          () -> {
            try {
              redis.sentinels().get(0).command("SENTINEL", "FAILOVER", redis.masterName());
              return true;
            } catch (RedisNode.ErrorReplyException e) {
              return false;
            }
          },
          "Sentinel to accept the failover");
      Await.until(
          Duration.ofSeconds(30),
          () -> String.valueOf(replica.command("ROLE")).contains("master"),
          "the replica to become master");

      int[] attempt = {0};
      Await.until(
          Duration.ofSeconds(30),
          () -> {
            String value = "after-" + (++attempt[0]);
            a.put("k", value);
            return value.equals(replica.command("HGET", "strata:failover:k", "b"))
                && value.equals(b.getIfPresent("k"));
          },
          "writes on the new master to reach B");
    }
  }
}
