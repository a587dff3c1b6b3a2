package io.strata.cache.benchmarks;

import io.strata.cache.MultiLevelCache;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * {@code getAll} of 100 keys that all miss locally and hit Redis, against Lettuce pipelining the
 * same 100 reads and against 100 sequential Strata {@code get}s.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class GetAllBenchmark {

  static final int BATCH = 100;
  static final int BATCHES = 16;
  static final int KEYS = BATCH * BATCHES;

  @State(Scope.Benchmark)
  public static class Data {
    Bench.StrataOnRedis strata;
    MultiLevelCache<String, byte[]> cache;
    RawLettuce lettuce;
    @SuppressWarnings({"unchecked", "rawtypes"}) // arrays of a generic type
    final List<String>[] batches = new List[BATCHES];
    final String[][] redisBatches = new String[BATCHES][];

    @Setup
    public void setUp() {
      strata =
          new Bench.StrataOnRedis(
              "getall", b -> b.localTtl(Duration.ofNanos(1)).loader(RemoteHitBenchmark.NEVER));
      cache = strata.cache;
      lettuce = new RawLettuce(Bench.redisUri());
      String[] keys = Bench.keys("key-", KEYS);
      Map<String, byte[]> all = new HashMap<>();
      for (int i = 0; i < KEYS; i++) {
        all.put(keys[i], Bench.value(i));
      }
      cache.putAll(all);
      for (int b = 0; b < BATCHES; b++) {
        batches[b] = List.of(Arrays.copyOfRange(keys, b * BATCH, (b + 1) * BATCH));
        redisBatches[b] = batches[b].stream().map(k -> "strata:getall:" + k).toArray(String[]::new);
      }
      if (cache.getAll(batches[0]).size() != BATCH
          || Arrays.stream(lettuce.read(redisBatches[0])).anyMatch(v -> v == null)) {
        throw new IllegalStateException("a batch is not all in Redis");
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      lettuce.close();
      strata.close();
    }
  }

  @State(Scope.Thread)
  public static class Cursor {
    int next;

    int batch() {
      return next++ & (BATCHES - 1);
    }
  }

  @Benchmark
  public Map<String, byte[]> strata_getAll100(Data data, Cursor cursor) {
    return data.cache.getAll(data.batches[cursor.batch()]);
  }

  @Benchmark
  public byte[][] lettuce_pipeline100(Data data, Cursor cursor) {
    return data.lettuce.read(data.redisBatches[cursor.batch()]);
  }

  @Benchmark
  public void strata_sequentialGet100(Data data, Cursor cursor, Blackhole blackhole) {
    for (String key : data.batches[cursor.batch()]) {
      blackhole.consume(data.cache.get(key));
    }
  }
}
