package io.strata.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.MultiLevelCache;
import io.strata.cache.TierHealth;
import io.strata.cache.codec.Codec;
import io.strata.cache.redis.harness.Await;
import io.strata.cache.redis.harness.CloseAfterEach;
import io.strata.cache.redis.harness.RedisExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A full Redis: {@code maxmemory} reached under {@code noeviction}, so it refuses every command
 * that could grow its memory (OOM), and every command queued in a transaction, while plain
 * deletions still pass. A change it refused must still reach it, with no more traffic on the
 * instance that made it, or every other instance reads the old value until it expires; and while
 * it stays full it is one outage, with no error for any caller.
 */
class RedisOutOfMemoryIT {

  @RegisterExtension static final RedisExtension REDIS = RedisExtension.standalone();

  @RegisterExtension final CloseAfterEach toClose = new CloseAfterEach();

  private final AtomicReference<String> source = new AtomicReference<>("v1");
  private final AtomicInteger loads = new AtomicInteger();

  @BeforeEach
  void emptyRedisWithRoom() {
    REDIS.server().command("CONFIG", "SET", "maxmemory-policy", "noeviction");
    room();
    REDIS.flushAll();
  }

  @AfterEach
  void roomAgain() {
    room();
  }

  private static void full() {
    // Any used memory is over one byte: every write that may grow it is refused.
    REDIS.server().command("CONFIG", "SET", "maxmemory", "1");
  }

  private static void room() {
    REDIS.server().command("CONFIG", "SET", "maxmemory", "0");
  }

  private MultiLevelCache<String, String> instance() {
    RedisCacheClient client =
        toClose.add(
            RedisTierKit.connected(
                RedisConnectionOptions.standalone(REDIS.uri())
                    .commandTimeout(Duration.ofSeconds(2))
                    .build()));
    MultiLevelCache<String, String> cache =
        toClose.add(
            MultiLevelCache.<String, String>builder("full")
                .ttl(Duration.ofMinutes(10))
                .tier(RedisTier.factory(client, Codec.utf8()))
                .loader(
                    key -> {
                      loads.incrementAndGet();
                      return source.get();
                    })
                .build());
    RedisTierKit.awaitCoherent(cache);
    return cache;
  }

  private static boolean exists(String key) {
    return (Long) REDIS.server().command("EXISTS", key) == 1L;
  }

  @Test
  void aPutRedisRefuses_reachesItAsADeletion_withNoMoreCallsOnTheWriter() {
    MultiLevelCache<String, String> a = instance();
    MultiLevelCache<String, String> b = instance();
    a.put("k", "v1");
    Await.until(Duration.ofSeconds(10), () -> "v1".equals(b.getIfPresent("k")), "B to read v1");
    long unlinksBefore = REDIS.server().commandCalls("unlink");

    full();
    source.set("v2");
    a.put("k", "v2"); // refused by Redis, kept by A: no exception

    assertThat(a.getIfPresent("k")).isEqualTo("v2");
    // No call on A from here: the put's change reaches Redis as a deletion by itself.
    Await.until(
        Duration.ofSeconds(10), () -> !exists("strata:full:k"), "Redis to drop the replaced v1");
    assertThat(REDIS.server().commandCalls("unlink")).isGreaterThan(unlinksBefore);
    Await.until(
        Duration.ofSeconds(10), () -> b.getIfPresent("k") == null, "B to drop its copy of v1");
    int loadsBefore = loads.get();
    assertThat(b.get("k")).as("B's load, its store refused").isEqualTo("v2");
    assertThat(loads.get() - loadsBefore).isOne();
    assertThat(exists("strata:full:k")).as("B's refused store").isFalse();
    assertNoKeyWithoutTtl();

    room();
    Await.until(
        Duration.ofSeconds(10),
        () -> a.advanced().health().get("redis").state() == TierHealth.State.UP,
        "A's tier to be up");
    a.put("k", "v3");
    assertThat(REDIS.server().command("HGET", "strata:full:k", "b")).isEqualTo("v3");
  }

  /**
   * Redis refuses every command queued in a transaction while it is out of memory (queuing may
   * grow it), reads included, and a Strata read is a transaction: a full Redis counts as down. What
   * must hold is the promise for an outage: no caller sees an error, the source answers, nothing is
   * written, the health names the cause, and the outage is one outage: the breaker's probe (a
   * transaction too) does not close it while Redis is still full.
   */
  @Test
  void whileRedisIsFull_itIsOneOutage_andCallersNeverSeeAnError() {
    String log =
        RedisSecuritySupport.capturingStderr(
            () -> {
              MultiLevelCache<String, String> a = instance();
              MultiLevelCache<String, String> b = instance();
              a.put("stored", "before");
              full();

              // Calls for 3 s (the breaker's first periods are 0.5, 1 and 2 s): a probe that
              // closed the breaker would let the next call open it again.
              long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
              int i = 0;
              while (System.nanoTime() < end) {
                assertThat(b.get("new-" + i)).isEqualTo("v1");
                a.put("put-" + i, "refused");
                assertThat(a.getIfPresent("put-" + i)).isEqualTo("refused");
                i++;
                LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
              }
              assertThat(b.get("stored")).as("Redis skipped: the source answers").isEqualTo("v1");

              assertThat(keysMatching("strata:full:new-*")).isEmpty();
              assertThat(keysMatching("strata:full:put-*")).isEmpty();
              assertNoKeyWithoutTtl();
              assertThat(b.advanced().health().get("redis").detail())
                  .startsWith("circuit breaker open: error reply")
                  .contains("OOM");
              return null;
            });
    assertThat(count(log, "circuit breaker opened (error reply")).as(log).isEqualTo(2); // A, B
    assertThat(log).doesNotContain("works again");
  }

  private static int count(String text, String part) {
    int n = 0;
    for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
      n++;
    }
    return n;
  }

  private static List<Object> keysMatching(String pattern) {
    @SuppressWarnings("unchecked")
    List<Object> keys = (List<Object>) REDIS.server().command("KEYS", pattern);
    return keys;
  }

  private static void assertNoKeyWithoutTtl() {
    for (Object key : keysMatching("*")) {
      String name = key instanceof byte[] bytes ? new String(bytes) : String.valueOf(key);
      assertThat((Long) REDIS.server().command("PTTL", name)).as("PTTL of " + name).isNotEqualTo(-1L);
    }
  }
}
