package io.strata.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.MultiLevelCache;
import io.strata.cache.codec.Codec;
import io.strata.cache.redis.harness.Await;
import io.strata.cache.redis.harness.FaultProxy;
import io.strata.cache.redis.harness.RedisExtension;
import io.strata.cache.redis.harness.RedisNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bulk operations on a real cluster reach every node in one round trip: each node announces a
 * proxy's port, so the client talks to the nodes through proxies that can hold replies.
 */
class ClusterBulkIT {

  @RegisterExtension static final RedisExtension REDIS = RedisExtension.cluster();

  private static final List<FaultProxy> PROXIES = new ArrayList<>();

  @BeforeAll
  static void announceProxies() {
    for (RedisNode node : REDIS.nodes()) {
      FaultProxy proxy = FaultProxy.start(node);
      PROXIES.add(proxy);
      node.command("CONFIG", "SET", "cluster-announce-ip", "127.0.0.1");
      node.command("CONFIG", "SET", "cluster-announce-port", String.valueOf(proxy.port()));
    }
    Await.until(
        Duration.ofSeconds(20),
        () ->
            REDIS.nodes().stream()
                .allMatch(
                    node -> {
                      String nodes = String.valueOf(node.command("CLUSTER", "NODES"));
                      return PROXIES.stream().allMatch(p -> nodes.contains(":" + p.port() + "@"));
                    }),
        "every node to know the proxies' ports");
  }

  @AfterAll
  static void closeProxies() {
    PROXIES.forEach(FaultProxy::close);
  }

  @Test
  void getAll_andPutAll_sendEveryCommandToEveryNodeBeforeAnyReply() throws Exception {
    try (RedisCacheClient client =
            RedisTierKit.connected(
                RedisConnectionOptions.cluster(PROXIES.get(0).uri())
                    .commandTimeout(Duration.ofSeconds(5))
                    .build());
        MultiLevelCache<String, String> cache =
            MultiLevelCache.<String, String>builder("bulk")
                .tier(RedisTier.factory(client, Codec.utf8()))
                .build()) {
      List<String> keys = IntStream.range(0, 300).mapToObj(i -> "k" + i).toList();
      Map<String, String> values = new LinkedHashMap<>();
      keys.forEach(key -> values.put(key, "v-" + key));
      // Teach every node both scripts, so no batch below is split by a NOSCRIPT retry.
      cache.putAll(values);
      try (MultiLevelCache<String, String> warm = fresh(client)) {
        warm.getAll(keys);
      }
      keys.forEach(key -> values.put(key, "w-" + key));

      long beforeWrite = scriptCalls();
      PROXIES.forEach(FaultProxy::holdReplies);
      CompletableFuture<Void> write = CompletableFuture.runAsync(() -> cache.putAll(values));
      Await.until(
          Duration.ofSeconds(10),
          () -> scriptCalls() - beforeWrite >= 300,
          "all 300 writes on the nodes while every reply is held");
      assertThat(write).isNotDone();
      PROXIES.forEach(FaultProxy::releaseReplies);
      write.get();

      MultiLevelCache<String, String> reader = fresh(client);
      long beforeRead = scriptCalls();
      PROXIES.forEach(FaultProxy::holdReplies);
      CompletableFuture<Map<String, String>> read =
          CompletableFuture.supplyAsync(() -> reader.getAll(keys));
      Await.until(
          Duration.ofSeconds(10),
          () -> scriptCalls() - beforeRead >= 300,
          "all 300 reads on the nodes while every reply is held");
      assertThat(read).isNotDone();
      PROXIES.forEach(FaultProxy::releaseReplies);
      assertThat(read.get()).isEqualTo(values);
      reader.close();
      for (RedisNode node : REDIS.nodes()) {
        assertThat((Long) node.command("DBSIZE")).as("keys on " + node).isPositive();
      }
    }
  }

  /** A cache with an empty local tier on {@code client}. */
  private static MultiLevelCache<String, String> fresh(RedisCacheClient client) {
    return MultiLevelCache.<String, String>builder("bulk")
        .tier(RedisTier.factory(client, Codec.utf8()))
        .build();
  }

  /** Script calls on all nodes, read directly (not through the proxies). */
  private static long scriptCalls() {
    return REDIS.nodes().stream().mapToLong(node -> node.commandCalls("evalsha", "eval")).sum();
  }
}
