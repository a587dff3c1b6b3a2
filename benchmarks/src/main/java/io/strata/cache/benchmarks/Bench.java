package io.strata.cache.benchmarks;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.cache.CacheObserver;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.MultiLevelCacheBuilder;
import io.strata.cache.TierHealth;
import io.strata.cache.codec.Codec;
import io.strata.cache.metrics.StrataCacheMetrics;
import io.strata.cache.redis.RedisCacheClient;
import io.strata.cache.redis.RedisTier;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.UnaryOperator;

/** What every benchmark shares: the Redis it runs against, its data, and Strata set up as a user would. */
public final class Bench {

  /** The system property carrying the URI of the Redis the suite started for its forks. */
  public static final String REDIS_PROPERTY = "strata.bench.redis";

  /** Time to live of every entry written: long enough that nothing expires during a run. */
  public static final Duration TTL = Duration.ofMinutes(10);

  /** Size of every value: a small JSON document or a session. */
  public static final int VALUE_BYTES = 256;

  private Bench() {}

  /** Returns the URI of the suite's Redis, or fails saying how to run the benchmarks. */
  public static String redisUri() {
    String uri = System.getProperty(REDIS_PROPERTY);
    if (uri == null || uri.isBlank()) {
      throw new IllegalStateException(
          "no Redis for the benchmarks: run them through BenchmarkSuite (java -jar"
              + " benchmarks/target/benchmarks.jar), which starts one, or pass -D"
              + REDIS_PROPERTY
              + "=redis://127.0.0.1:<port>");
    }
    return uri;
  }

  /** Returns {@code count} keys {@code prefix0 … prefix(count-1)}. */
  public static String[] keys(String prefix, int count) {
    String[] keys = new String[count];
    for (int i = 0; i < count; i++) {
      keys[i] = prefix + i;
    }
    return keys;
  }

  /** Returns {@link #VALUE_BYTES} pseudo-random bytes, different for each {@code seed}. */
  public static byte[] value(int seed) {
    byte[] bytes = new byte[VALUE_BYTES];
    new SplittableRandom(seed).nextBytes(bytes);
    return bytes;
  }

  /** Returns the bytes of {@code text} in UTF-8. */
  public static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Strata over Redis, configured as a user would have it: local tier, Redis tier with its breaker
   * and invalidation tracking, metrics bound to a registry. It waits until Redis is trusted
   * (tracking armed), so a run measures the steady state, and counts every tier error and dropped
   * write: {@link #close()} fails the run if there was one, since numbers taken while Strata was
   * skipping Redis would measure something else.
   */
  public static final class StrataOnRedis implements AutoCloseable {
    public final RedisCacheClient client;
    public final MultiLevelCache<String, byte[]> cache;
    private final LongAdder failures = new LongAdder();

    public StrataOnRedis(String name, UnaryOperator<MultiLevelCacheBuilder<String, byte[]>> adjust) {
      client = RedisCacheClient.create(redisUri());
      cache =
          adjust
              .apply(
                  MultiLevelCache.<String, byte[]>builder(name)
                      .maximumSize(100_000)
                      .ttl(TTL)
                      .tier(RedisTier.factory(client, Codec.bytes())))
              .build();
      StrataCacheMetrics.monitor(new SimpleMeterRegistry(), cache);
      cache
          .advanced()
          .addObserver(
              new CacheObserver() {
                @Override
                public void tierError(String tier, Operation operation, Throwable error) {
                  failures.increment();
                }

                @Override
                public void writeDropped(String tier) {
                  failures.increment();
                }
              });
      awaitRedisTrusted(cache);
    }

    @Override
    public void close() {
      cache.close();
      client.close();
      if (failures.sum() != 0) {
        throw new IllegalStateException(
            failures.sum() + " Redis errors or dropped writes during the run of '" + cache.name() + "'");
      }
    }
  }

  /** Waits up to 10 s for the cache's Redis tier to report UP. */
  public static void awaitRedisTrusted(MultiLevelCache<?, ?> cache) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      TierHealth health = cache.advanced().health().get("redis");
      if (health != null && health.state() == TierHealth.State.UP) {
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("Redis tier of '" + cache.name() + "' not up: " + health);
      }
      LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
    }
  }
}
