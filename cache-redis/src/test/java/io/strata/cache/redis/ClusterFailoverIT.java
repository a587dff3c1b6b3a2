package io.strata.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.MultiLevelCache;
import io.strata.cache.codec.Codec;
import io.strata.cache.redis.harness.Await;
import io.strata.cache.redis.harness.CloseAfterEach;
import io.strata.cache.redis.harness.RedisExtension;
import io.strata.cache.redis.harness.RedisNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** After a cluster failover, the promoted replica is tracked and caches stay coherent. */
class ClusterFailoverIT {

  @RegisterExtension static final RedisExtension REDIS = RedisExtension.clusterWithReplicas();

  @RegisterExtension final CloseAfterEach toClose = new CloseAfterEach();


  private RedisCacheClient client() {
    RedisCacheClient client =
        RedisTierKit.connected(
            RedisConnectionOptions.cluster(REDIS.uri())
                .invalidationHeartbeat(Duration.ofMillis(200), Duration.ofMillis(300))
                .build());
    toClose.add(client);
    return client;
  }

  private MultiLevelCache<String, String> instance(RedisCacheClient client) {
    MultiLevelCache<String, String> cache =
        MultiLevelCache.<String, String>builder("failover")
            .tier(RedisTier.factory(client, Codec.utf8()))
            .loader(key -> "loaded-" + key)
            .build();
    toClose.add(cache);
    RedisTierKit.awaitCoherent(cache);
    return cache;
  }

  @Test
  void aPromotedReplica_isTracked_andWritesOnItReachTheOtherInstance() {
    RedisCacheClient clientB = client();
    MultiLevelCache<String, String> a = instance(client());
    MultiLevelCache<String, String> b = instance(clientB);
    RedisNode oldMaster = REDIS.nodes().get(0);
    RedisNode promoted = REDIS.replicas().get(0);
    String key = keyOn(oldMaster);
    a.put(key, "before");
    Await.until(Duration.ofSeconds(10), () -> "before".equals(b.getIfPresent(key)), "B reads");

    promoted.command("CLUSTER", "FAILOVER");
    Await.until(
        Duration.ofSeconds(30),
        () -> String.valueOf(promoted.command("ROLE")).startsWith("[master"),
        "the replica to be promoted");

    int[] attempt = {0};
    Await.until(
        Duration.ofSeconds(60),
        () -> {
          String value = "after-" + (++attempt[0]);
          a.put(key, value);
          return value.equals(promoted.command("HGET", "strata:failover:" + key, "b"))
              && value.equals(b.getIfPresent(key));
        },
        "writes on the promoted master to reach B");
    String promotedNode = promoted.host() + ":" + promoted.port();
    Await.until(
        Duration.ofSeconds(60),
        () ->
            clientB.invalidationStatus().stream()
                .anyMatch(s -> s.node().equals(promotedNode) && s.state().equals("ARMED")),
        "B to track the promoted master");
    assertThat(clientB.invalidationStatus()).hasSize(3);
    a.put(key, "last");
    Await.until(Duration.ofSeconds(10), () -> "last".equals(b.getIfPresent(key)), "B hears");
  }

  /** Returns a key whose slot {@code node} serves. */
  private static String keyOn(RedisNode node) {
    for (int i = 0; i < 10_000; i++) {
      if (node.servesKey("strata:failover:k" + i)) {
        return "k" + i;
      }
    }
    throw new AssertionError("no key found on " + node);
  }
}
