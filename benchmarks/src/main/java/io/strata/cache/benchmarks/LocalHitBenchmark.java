package io.strata.cache.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.metrics.StrataCacheMetrics;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A local hit: Strata's {@code get} against Caffeine's {@code getIfPresent} configured the same way
 * (same bound, per-entry expiry, the same keys present).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LocalHitBenchmark {

  static final int KEYS = 1 << 12;
  static final int MASK = KEYS - 1;
  static final long BOUND = 100_000;
  static final long TTL_NANOS = Bench.TTL.toNanos();

  /** Each thread walks the keys from its own offset. */
  @State(Scope.Thread)
  public static class Cursor {
    final Integer[] keys = new Integer[KEYS];
    int next;

    @Setup
    public void setUp() {
      for (int i = 0; i < KEYS; i++) {
        keys[i] = i;
      }
      next = ThreadLocalRandom.current().nextInt(KEYS);
    }

    Integer key() {
      return keys[next++ & MASK];
    }
  }

  /** What the baseline stores: the value and its own expiry, as Strata's entries carry theirs. */
  record Timed(String value, long expiresAt) {}

  @State(Scope.Benchmark)
  public static class CaffeineBaseline {
    Cache<Integer, Timed> cache;

    @Setup
    public void setUp() {
      cache =
          Caffeine.newBuilder()
              .maximumSize(BOUND)
              .expireAfter(
                  new Expiry<Integer, Timed>() {
                    @Override
                    public long expireAfterCreate(Integer key, Timed value, long now) {
                      return Math.max(0, value.expiresAt() - now);
                    }

                    @Override
                    public long expireAfterUpdate(
                        Integer key, Timed value, long now, long currentDuration) {
                      return expireAfterCreate(key, value, now);
                    }

                    @Override
                    public long expireAfterRead(
                        Integer key, Timed value, long now, long currentDuration) {
                      return currentDuration;
                    }
                  })
              .build();
      long now = System.nanoTime();
      for (int i = 0; i < KEYS; i++) {
        cache.put(i, new Timed("value-" + i, now + TTL_NANOS));
      }
    }
  }

  /** Strata with only its local tier, metrics unbound. */
  @State(Scope.Benchmark)
  public static class Strata {
    MultiLevelCache<Integer, String> cache;

    @Setup
    public void setUp() {
      cache = localOnly(false);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      closeHavingOnlyHit(cache);
    }
  }

  /** Strata with only its local tier and Micrometer bound, as a service would have it. */
  @State(Scope.Benchmark)
  public static class StrataWithMetrics {
    MultiLevelCache<Integer, String> cache;

    @Setup
    public void setUp() {
      cache = localOnly(true);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      closeHavingOnlyHit(cache);
    }
  }

  static MultiLevelCache<Integer, String> localOnly(boolean metrics) {
    MultiLevelCache<Integer, String> cache =
        MultiLevelCache.<Integer, String>builder("local-hit")
            .maximumSize(BOUND)
            .ttl(Bench.TTL)
            .loader(key -> "value-" + key)
            .build();
    for (int i = 0; i < KEYS; i++) {
      cache.put(i, "value-" + i);
    }
    return metrics ? StrataCacheMetrics.monitor(new SimpleMeterRegistry(), cache) : cache;
  }

  /** A benchmark of hits that measured a miss measured something else: fail the run. */
  static void closeHavingOnlyHit(MultiLevelCache<Integer, String> cache) {
    long misses = cache.stats().missCount();
    cache.close();
    if (misses != 0) {
      throw new IllegalStateException(misses + " misses in a benchmark of local hits");
    }
  }

  @Benchmark
  public String caffeine_getIfPresent(CaffeineBaseline state, Cursor cursor) {
    Timed timed = state.cache.getIfPresent(cursor.key());
    return timed == null ? null : timed.value();
  }

  @Benchmark
  public String strata_get(Strata state, Cursor cursor) {
    return state.cache.get(cursor.key());
  }

  @Benchmark
  public String strata_get_metrics(StrataWithMetrics state, Cursor cursor) {
    return state.cache.get(cursor.key());
  }
}
