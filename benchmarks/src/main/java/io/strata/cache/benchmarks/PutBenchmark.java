package io.strata.cache.benchmarks;

import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.benchmarks.peers.JetCacheRemote;
import io.strata.cache.benchmarks.peers.RedissonRemote;
import io.lettuce.core.RedisFuture;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
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
 * Writes of one entry and of a batch of 64. Strata writes atomically (one {@code MULTI}/{@code
 * EXEC}: {@code DEL} of the entries' leases, then per entry {@code HSET} of the five fields of its
 * format and {@code PEXPIRE}) and then fills its local tier; the baselines write the same fields.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PutBenchmark {

  static final int BATCH = 64;
  static final int BATCHES = 16;
  static final int KEYS = BATCH * BATCHES;
  static final long TTL_MILLIS = Bench.TTL.toMillis();

  /**
   * The data written: single entries walk through {@link #KEYS}; batches through 16 maps of 64.
   * Lettuce addresses Redis keys itself, under a prefix of its own.
   */
  @State(Scope.Thread)
  public static class Data {
    final String[] keys = Bench.keys("key-", KEYS);
    final String[] rawKeys = Bench.keys("raw:key-", KEYS);
    final byte[][] values = new byte[KEYS][];
    @SuppressWarnings({"unchecked", "rawtypes"}) // arrays of a generic type
    final Map<String, byte[]>[] batches = new Map[BATCHES];
    @SuppressWarnings({"unchecked", "rawtypes"}) // arrays of a generic type
    final Map<String, byte[]>[] rawBatches = new Map[BATCHES];
    int next;

    @Setup
    public void setUp() {
      for (int i = 0; i < KEYS; i++) {
        values[i] = Bench.value(i);
      }
      for (int b = 0; b < BATCHES; b++) {
        batches[b] = new LinkedHashMap<>();
        rawBatches[b] = new LinkedHashMap<>();
        for (int i = b * BATCH; i < (b + 1) * BATCH; i++) {
          batches[b].put(keys[i], values[i]);
          rawBatches[b].put(rawKeys[i], values[i]);
        }
      }
    }

    int index() {
      return next++ & (KEYS - 1);
    }

    int batch() {
      return next++ & (BATCHES - 1);
    }
  }

  @State(Scope.Benchmark)
  public static class Strata {
    Bench.StrataOnRedis strata;
    MultiLevelCache<String, byte[]> cache;

    @Setup
    public void setUp() {
      strata = new Bench.StrataOnRedis("put", UnaryOperator.identity());
      cache = strata.cache;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      strata.close();
    }
  }

  /** Lettuce alone: one shared connection for pipelines, one of its own for MULTI/EXEC. */
  @State(Scope.Benchmark)
  public static class Lettuce {
    RawLettuce lettuce;
    StatefulRedisConnection<String, byte[]> transactions;

    @Setup
    public void setUp() {
      lettuce = new RawLettuce(Bench.redisUri());
      transactions = lettuce.newConnection();
      // MULTI/EXEC as fast as Lettuce sends it: everything in one flush (one thread per connection).
      transactions.setAutoFlushCommands(false);
    }

    void multiExec(Map<String, byte[]> values) {
      RedisAsyncCommands<String, byte[]> async = transactions.async();
      async.multi();
      for (Map.Entry<String, byte[]> entry : values.entrySet()) {
        async.hset(entry.getKey(), RawLettuce.fields(entry.getValue()));
        async.pexpire(entry.getKey(), TTL_MILLIS);
      }
      RedisFuture<TransactionResult> exec = async.exec();
      transactions.flushCommands();
      try {
        TransactionResult result = exec.get(5, TimeUnit.SECONDS);
        if (result.wasDiscarded()) {
          throw new IllegalStateException("MULTI/EXEC discarded");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      } catch (ExecutionException | TimeoutException e) {
        throw new IllegalStateException("MULTI/EXEC failed: " + e, e);
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      transactions.close();
      lettuce.close();
    }
  }

  @State(Scope.Benchmark)
  public static class JetCache {
    RemoteBytesCache cache;

    @Setup
    public void setUp() {
      cache = JetCacheRemote.create(Bench.redisUri(), "jet-put", Bench.TTL);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      cache.close();
    }
  }

  @State(Scope.Benchmark)
  public static class Redisson {
    RemoteBytesCache cache;

    @Setup
    public void setUp() {
      cache = RedissonRemote.create(Bench.redisUri(), "redisson-put", Bench.TTL);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      cache.close();
    }
  }

  // ------------------------------------------------------------------ one entry

  @Benchmark
  public void strata_put(Strata state, Data data) {
    int i = data.index();
    state.cache.put(data.keys[i], data.values[i]);
  }

  @Benchmark
  public void lettuce_pipeline_put(Lettuce state, Data data) {
    int i = data.index();
    state.lettuce.write(Map.of(data.rawKeys[i], data.values[i]), TTL_MILLIS);
  }

  @Benchmark
  public void lettuce_multiExec_put(Lettuce state, Data data) {
    int i = data.index();
    state.multiExec(Map.of(data.rawKeys[i], data.values[i]));
  }

  @Benchmark
  public void jetcache_put(JetCache state, Data data) {
    int i = data.index();
    state.cache.put(data.keys[i], data.values[i]);
  }

  @Benchmark
  public void redisson_put(Redisson state, Data data) {
    int i = data.index();
    state.cache.put(data.keys[i], data.values[i]);
  }

  // ------------------------------------------------------------------ batches of 64

  @Benchmark
  public void strata_putAll64(Strata state, Data data) {
    state.cache.putAll(data.batches[data.batch()]);
  }

  @Benchmark
  public void lettuce_pipeline_putAll64(Lettuce state, Data data) {
    state.lettuce.write(data.rawBatches[data.batch()], TTL_MILLIS);
  }

  @Benchmark
  public void lettuce_multiExec_putAll64(Lettuce state, Data data) {
    state.multiExec(data.rawBatches[data.batch()]);
  }

  @Benchmark
  public void jetcache_putAll64(JetCache state, Data data) {
    state.cache.putAll(data.batches[data.batch()]);
  }

  @Benchmark
  public void redisson_putAll64(Redisson state, Data data) {
    state.cache.putAll(data.batches[data.batch()]);
  }
}
