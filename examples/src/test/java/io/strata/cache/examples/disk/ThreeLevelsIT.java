package io.strata.cache.examples.disk;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.Lookup;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.TierHealth;
import io.strata.cache.redis.RedisCacheClient;
import io.strata.cache.redis.harness.Await;
import io.strata.cache.redis.harness.RedisExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** local → Redis → disk on a real redis-server: lookup names the third level when it serves. */
class ThreeLevelsIT {

  @RegisterExtension static final RedisExtension REDIS = RedisExtension.standalone();

  @TempDir Path disk;

  @BeforeEach
  void emptyRedis() {
    REDIS.flushAll();
  }

  @Test
  void diskBelowRedis_servesWhatRedisLost_andLookupSaysDisk() {
    AtomicInteger sourceCalls = new AtomicInteger();
    try (RedisCacheClient redis = RedisCacheClient.create(REDIS.uri());
        MultiLevelCache<String, String> prices = ThreeLevels.build(redis, disk, sourceCalls)) {
      assertThat(prices.advanced().tierNames()).containsExactly("local", "redis", "disk");
      awaitCoherent(prices);

      Lookup<String> first = prices.lookup("sku-42");
      assertThat(first.tier()).isNull(); // loaded: written to disk, Redis and the local tier
      assertThat(first.value()).isEqualTo("sku-42: 9.99 EUR");

      java.util.List<String> flushes = new java.util.concurrent.CopyOnWriteArrayList<>();
      prices.advanced().addObserver(new io.strata.cache.CacheObserver() {
        @Override
        public void flush(String tier, String reason) {
          flushes.add(reason);
        }
      });
      REDIS.server().command("FLUSHALL"); // Redis loses everything; every local tier is flushed
      // Wait for the flush itself: arriving mid-read, it would (rightly) stop that read's promotion.
      Await.until(Duration.ofSeconds(10), () -> flushes.contains("flushall"), "the flush");
      awaitCoherent(prices);

      Await.until(
          Duration.ofSeconds(10),
          () -> {
            Lookup<String> lookup = prices.lookup("sku-42");
            assertThat(lookup.tier()).isIn("disk", "redis", "local"); // never the source again
            return "disk".equals(lookup.tier());
          },
          "a read served by the disk tier");
      // The disk hit was promoted into Redis: a second instance finds it there.
      try (MultiLevelCache<String, String> other = ThreeLevels.build(redis, disk, sourceCalls)) {
        awaitCoherent(other);
        assertThat(other.lookup("sku-42").tier()).isEqualTo("redis");
      }
      assertThat(sourceCalls.get()).isEqualTo(1);
    }
  }

  @Test
  void theExample_printsEachLevel() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    var served = ThreeLevels.run(new PrintStream(bytes, true, StandardCharsets.UTF_8), REDIS.uri(), disk);

    assertThat(served.get(0)).isEqualTo("MISS");
    assertThat(served.get(1)).isIn("HIT-LOCAL", "HIT-REDIS");
    assertThat(served.get(2)).isEqualTo("HIT-DISK");
    assertThat(served.get(3)).isIn("HIT-LOCAL", "HIT-REDIS");
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("calls to the source: 1");
  }

  @Test
  void withoutRedis_theDiskStillServesAfterARestart() {
    var served = ThreeLevels.run(new PrintStream(new ByteArrayOutputStream()), null, disk);

    assertThat(served).containsExactly("MISS", "HIT-LOCAL", "HIT-DISK", "HIT-LOCAL");
  }

  private static void awaitCoherent(MultiLevelCache<String, ?> cache) {
    Await.until(
        Duration.ofSeconds(10),
        () -> {
          cache.getIfPresent("awaiting-coherence");
          return cache.advanced().health().get("redis").state() == TierHealth.State.UP;
        },
        "the Redis tier of '" + cache.name() + "' to hear invalidations");
  }
}
