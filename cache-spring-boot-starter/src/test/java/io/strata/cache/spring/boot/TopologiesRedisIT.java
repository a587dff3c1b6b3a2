package io.strata.cache.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.redis.harness.RedisExtension;
import io.strata.cache.redis.harness.RedisNode;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Configuration;

/** The Redis tier found through Boot's spring.data.redis.sentinel.* and cluster.nodes. */
class TopologiesRedisIT {

  @Configuration(proxyBeanMethods = false)
  @EnableCaching
  static class App {}

  private static ApplicationContextRunner runner(String... properties) {
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(StrataCacheAutoConfiguration.class))
        .withUserConfiguration(App.class)
        .withPropertyValues("strata.cache.defaults.value-type=java.lang.String")
        .withPropertyValues(properties);
  }

  static void awaitConnected(org.springframework.context.ApplicationContext context)
      throws InterruptedException {
    io.strata.cache.redis.RedisCacheClient client =
        context.getBean(io.strata.cache.redis.RedisCacheClient.class);
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
    while (!client.isConnected() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(client.isConnected()).as("connected to %s", client).isTrue();
  }

  private static boolean stored(Iterable<RedisNode> nodes, String key) {
    for (RedisNode node : nodes) {
      if (node.servesKey(key)
          && ((Number) node.command("EXISTS", key)).longValue() == 1) {
        return true;
      }
    }
    return false;
  }

  @Nested
  class Sentinel {
    @RegisterExtension static final RedisExtension redis = RedisExtension.sentinel();

    @Test
    void sentinelMasterAndNodes_fromSpringDataRedis_reachTheMaster() {
      String nodes =
          redis.sentinels().stream()
              .map(n -> n.host() + ":" + n.port())
              .collect(Collectors.joining(","));
      runner(
              "spring.data.redis.sentinel.master=" + redis.masterName(),
              "spring.data.redis.sentinel.nodes=" + nodes)
          .run(
              context -> {
                Cache cache = context.getBean(CacheManager.class).getCache("words");
                awaitConnected(context);
                cache.put("k", "v");
                assertThat(((Number) redis.server().command("EXISTS", "strata:words:\"k\""))
                        .longValue())
                    .isEqualTo(1);
              });
    }
  }

  @Nested
  class Cluster {
    @RegisterExtension static final RedisExtension redis = RedisExtension.cluster();

    @Test
    void clusterNodes_fromSpringDataRedis_reachTheCluster() {
      String nodes =
          redis.nodes().stream().map(n -> n.host() + ":" + n.port()).collect(Collectors.joining(","));
      runner("spring.data.redis.cluster.nodes=" + nodes)
          .run(
              context -> {
                Cache cache = context.getBean(CacheManager.class).getCache("words");
                awaitConnected(context);
                for (int i = 0; i < 10; i++) {
                  cache.put("k" + i, "v");
                }
                for (int i = 0; i < 10; i++) {
                  assertThat(stored(redis.nodes(), "strata:words:\"k" + i + "\"")).isTrue();
                }
              });
    }
  }
}
