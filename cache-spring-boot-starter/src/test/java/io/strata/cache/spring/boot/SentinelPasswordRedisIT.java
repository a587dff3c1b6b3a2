package io.strata.cache.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.redis.RedisCacheClient;
import io.strata.cache.redis.harness.Await;
import io.strata.cache.redis.harness.RedisExtension;
import io.strata.cache.redis.harness.RedisNode;
import java.time.Duration;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/**
 * A Sentinel that requires a password of its own, in front of data nodes that require another:
 * spring.data.redis.sentinel.password reaches the Sentinel, spring.data.redis.password the master.
 * The harness starts an open Sentinel; the passwords are set at runtime (CONFIG SET on the data
 * nodes, SENTINEL SET auth-pass, ACL SETUSER on the Sentinel), after which the harness itself can
 * no longer talk to them (it stops them by pid).
 */
class SentinelPasswordRedisIT {

  @RegisterExtension static final RedisExtension REDIS = RedisExtension.sentinel();

  private static final String DATA_PASSWORD = "data-s3cret";
  private static final String SENTINEL_PASSWORD = "sentinel-s3cret";
  private static final Duration WAIT = Duration.ofSeconds(20);

  @Configuration(proxyBeanMethods = false)
  @EnableCaching
  static class App {}

  @BeforeAll
  static void requirePasswords() {
    RedisNode master = REDIS.server();
    RedisNode replica = REDIS.replicas().get(0);
    RedisNode sentinel = REDIS.sentinels().get(0);
    replica.command("CONFIG", "SET", "masterauth", DATA_PASSWORD);
    sentinel.command("SENTINEL", "SET", REDIS.masterName(), "auth-pass", DATA_PASSWORD);
    master.command("CONFIG", "SET", "requirepass", DATA_PASSWORD);
    replica.command("CONFIG", "SET", "requirepass", DATA_PASSWORD);
    sentinel.command("ACL", "SETUSER", "default", "on", "resetpass", ">" + SENTINEL_PASSWORD);
  }

  private static ApplicationContextRunner runner(String... properties) {
    String nodes =
        REDIS.sentinels().stream().map(n -> n.host() + ":" + n.port()).collect(Collectors.joining(","));
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(StrataCacheAutoConfiguration.class))
        .withUserConfiguration(App.class)
        .withPropertyValues(
            "strata.cache.defaults.value-type=java.lang.String",
            "spring.data.redis.sentinel.master=" + REDIS.masterName(),
            "spring.data.redis.sentinel.nodes=" + nodes)
        .withPropertyValues(properties);
  }

  @Test
  void sentinelPassword_reachesTheSentinel_andThePassword_theMaster() {
    runner(
            "spring.data.redis.password=" + DATA_PASSWORD,
            "spring.data.redis.sentinel.password=" + SENTINEL_PASSWORD)
        .run(writer -> runner(
                "spring.data.redis.password=" + DATA_PASSWORD,
                "spring.data.redis.sentinel.password=" + SENTINEL_PASSWORD)
            .run(reader -> {
              assertThat(writer.getBean(RedisCacheClient.class).options().toString())
                  .contains("sentinelPassword=***");
              awaitUp(writer);
              awaitUp(reader);
              writer.getBean(CacheManager.class).getCache("words").put("k", "through sentinel");
              // The other instance finds it in Redis (it never had it locally).
              Cache words = reader.getBean(CacheManager.class).getCache("words");
              assertThat(words.get("k", String.class)).isEqualTo("through sentinel");
            }));
  }

  @Test
  void withoutTheSentinelPassword_orWithThePasswordsSwapped_neverConnects() {
    runner(
            "spring.data.redis.password=" + DATA_PASSWORD,
            "spring.data.redis.sentinel.password=" + SENTINEL_PASSWORD)
        .run(right -> runner("spring.data.redis.password=" + DATA_PASSWORD)
            .run(noSentinelPassword -> runner(
                    "spring.data.redis.password=" + SENTINEL_PASSWORD,
                    "spring.data.redis.sentinel.password=" + DATA_PASSWORD)
                .run(swapped -> {
                  noSentinelPassword.getBean(CacheManager.class).getCache("words");
                  swapped.getBean(CacheManager.class).getCache("words");
                  // All three started together: once the right one is up, the others had as
                  // long, and must have failed (for their login, as health says).
                  awaitUp(right);
                  awaitRefused(noSentinelPassword);
                  awaitRefused(swapped);
                  assertThat(noSentinelPassword.getBean(RedisCacheClient.class).isConnected()).isFalse();
                  assertThat(swapped.getBean(RedisCacheClient.class).isConnected()).isFalse();
                })));
  }

  private static void awaitUp(ConfigurableApplicationContext context) {
    context.getBean(CacheManager.class).getCache("words");
    StrataCacheHealthIndicator health = context.getBean(StrataCacheHealthIndicator.class);
    Await.until(WAIT, () -> health.health().getStatus().equals(Status.UP),
        "the Redis tier up through the Sentinel: " + health.health());
  }

  private static void awaitRefused(ConfigurableApplicationContext context) {
    StrataCacheHealthIndicator health = context.getBean(StrataCacheHealthIndicator.class);
    // NOAUTH from the Sentinel without its password, WRONGPASS with the swapped ones.
    Await.until(WAIT, () -> health.health().toString().contains("authentication failed"),
        "the login refused: " + health.health());
  }
}
