package io.strata.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.MultiLevelCache;
import io.strata.cache.TierHealth;
import io.strata.cache.codec.Codec;
import io.strata.cache.redis.harness.Await;
import io.strata.cache.redis.harness.CloseAfterEach;
import io.strata.cache.redis.harness.RedisExtension;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Recovery by itself: once Redis answers again, background probes close the breaker with no
 * traffic at all, within the invalidation heartbeat plus one probe period; an outage is logged
 * once when it begins (naming its cause) and once when it ends (with its length).
 */
class RedisRecoveryIT {

  @RegisterExtension static final RedisExtension REDIS = RedisExtension.standalone();
  @RegisterExtension final CloseAfterEach toClose = new CloseAfterEach();

  /** Short periods keep the test fast; the bound below is computed from them. */
  private static final CircuitBreakerConfig BREAKER =
      CircuitBreakerConfig.builder()
          .failureThreshold(3)
          .openDuration(Duration.ofMillis(500))
          .maxOpenDuration(Duration.ofSeconds(1))
          .build();

  private static final Duration HEARTBEAT = RedisConnectionOptions.DEFAULT_HEARTBEAT_INTERVAL;

  @BeforeEach
  void redisIsUp() {
    if (!REDIS.server().isRunning()) {
      REDIS.server().restart();
    }
    REDIS.flushAll();
  }

  @AfterEach
  void resume() {
    if (REDIS.server().isRunning()) {
      REDIS.server().resume();
    }
  }

  private MultiLevelCache<String, String> hotCache(String name) {
    RedisCacheClient client =
        RedisTierKit.connected(RedisConnectionOptions.standalone(REDIS.uri()).build());
    toClose.add(client);
    MultiLevelCache<String, String> cache =
        MultiLevelCache.<String, String>builder(name)
            .ttl(Duration.ofMinutes(5))
            .tier(
                RedisTier.builder(client, KeyMapper.strings(), Codec.utf8())
                    .circuitBreaker(BREAKER)
                    .build())
            .loader(key -> "loaded-" + key)
            .build();
    toClose.add(cache);
    RedisTierKit.awaitCoherent(cache);
    return cache;
  }

  private static TierHealth health(MultiLevelCache<String, String> cache) {
    return cache.advanced().health().get("redis");
  }

  /** Makes tier calls until the breaker opens (each call waits at most the command timeout). */
  private static void openTheBreaker(MultiLevelCache<String, String> cache) {
    int[] n = {0};
    Await.until(
        Duration.ofSeconds(10),
        () -> {
          cache.get("miss-" + n[0]++);
          return health(cache).detail().startsWith("circuit breaker open");
        },
        "the breaker to open");
  }

  @Test
  void aPausedRedis_isProbedInTheBackground_andTheTierIsUpAgainWithoutTraffic() {
    String[] log = new String[1];
    long[] recoveryMillis = new long[1];
    log[0] =
        RedisSecuritySupport.capturingStderr(
            () -> {
              MultiLevelCache<String, String> cache = hotCache("recover-paused");
              cache.put("hot", "v");
              REDIS.server().pause();
              openTheBreaker(cache);
              assertThat(health(cache).state()).isEqualTo(TierHealth.State.DOWN);
              assertThat(health(cache).detail()).startsWith("circuit breaker open: timeout");

              // Several probe periods while Redis is still stopped: probes fail, nothing recovers.
              long stillDownUntil = System.nanoTime() + Duration.ofSeconds(3).toNanos();
              while (System.nanoTime() - stillDownUntil < 0) {
                assertThat(health(cache).state()).isNotEqualTo(TierHealth.State.UP);
                sleep(Duration.ofMillis(50));
              }
              assertThat(RedisSecuritySupport.captured()).doesNotContain("' works again after");

              long resumed = System.nanoTime();
              REDIS.server().resume();
              // No call on the cache from here on: only the probes and the heartbeat reach Redis.
              Await.until(
                  Duration.ofSeconds(10),
                  () -> health(cache).state() == TierHealth.State.UP,
                  "the tier to be up again without traffic");
              recoveryMillis[0] = (System.nanoTime() - resumed) / 1_000_000;
              awaitEndLogged();
              return null;
            });
    System.out.println("paused Redis: tier up again " + recoveryMillis[0] + " ms after SIGCONT");
    // Heartbeat and probe periods, plus 1 s for the PING, the heartbeat's answer and scheduling.
    assertThat(recoveryMillis[0])
        .isLessThan(HEARTBEAT.plus(BREAKER.maxOpenDuration()).plusSeconds(1).toMillis());
    assertOneOutageLogged(log[0], "recover-paused", "timeout");
  }

  @Test
  void aStoppedRedis_isProbedInTheBackground_andTheTierIsUpAgainAfterTheRestart() {
    String[] log = new String[1];
    long[] recoveryMillis = new long[1];
    log[0] =
        RedisSecuritySupport.capturingStderr(
            () -> {
              MultiLevelCache<String, String> cache = hotCache("recover-stopped");
              cache.put("hot", "v");
              REDIS.server().shutdownNoSave();
              openTheBreaker(cache);
              // Commands fail as "not connected"; the health names why Lettuce cannot reconnect.
              Await.until(
                  Duration.ofSeconds(10),
                  () -> health(cache).detail().startsWith("circuit breaker open: connection refused"),
                  "the health to name the refused connection, not " + health(cache).detail());
              sleep(Duration.ofSeconds(2));
              assertThat(RedisSecuritySupport.captured()).doesNotContain("' works again after");

              long restarted = System.nanoTime();
              REDIS.server().restart();
              Await.until(
                  Duration.ofSeconds(15),
                  () -> health(cache).state() == TierHealth.State.UP,
                  "the tier to be up again without traffic");
              recoveryMillis[0] = (System.nanoTime() - restarted) / 1_000_000;
              awaitEndLogged();
              return null;
            });
    System.out.println("stopped Redis: tier up again " + recoveryMillis[0] + " ms after restart");
    // When the breaker opened, the closed connection may be all that was known, or Lettuce's
    // first reconnect (10 ms after the drop, on a 100 ms timer tick) may already have met the
    // refusal; the health names the refusal once it has (asserted above).
    assertOneOutageLogged(log[0], "recover-stopped", "connection closed", "connection refused");
  }

  /** The breaker's listener logs after the state (which health reads) has changed. */
  private static void awaitEndLogged() {
    Await.until(
        Duration.ofSeconds(5),
        () -> RedisSecuritySupport.captured().contains("' works again after"),
        "the end of the outage to be logged");
  }

  /** One WARN naming the cause when the outage began, one INFO with its length when it ended. */
  private static void assertOneOutageLogged(String log, String cache, String... causes) {
    String opened = "Redis tier of cache '" + cache + "' is skipped: circuit breaker opened (";
    assertThat(count(log, opened)).as("outage WARNs in:\n" + log).isEqualTo(1);
    assertThat(log)
        .containsAnyOf(Arrays.stream(causes).map(cause -> opened + cause).toArray(String[]::new));
    Matcher ended =
        Pattern.compile(
                "Redis tier of cache '" + cache + "' works again after (\\d+\\.\\d) s")
            .matcher(log);
    assertThat(ended.find()).as("the INFO that ends the outage, in:\n" + log).isTrue();
    assertThat(Double.parseDouble(ended.group(1))).isGreaterThan(1.0);
    assertThat(ended.find()).as("a second 'works again'").isFalse();
    assertNoStackTraceAfter(log, "internal.RedisCacheTier - ");
    assertNoStackTraceAfter(log, "internal.RedisLink - ");
  }

  /** The failure is expected: the tier's own lines carry its cause class, not a stack trace. */
  static void assertNoStackTraceAfter(String log, String logger) {
    List<String> lines = log.lines().toList();
    for (int i = 0; i + 1 < lines.size(); i++) {
      if (lines.get(i).contains(logger)) {
        String next = lines.get(i + 1);
        assertThat(next.startsWith("\tat ") || next.matches("^[\\w.$]+(Exception|Error)\\b.*"))
            .as("a stack trace after: " + lines.get(i) + "\n" + next)
            .isFalse();
      }
    }
  }

  private static int count(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
