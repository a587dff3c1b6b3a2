package io.strata.cache.benchmarks;

import io.lettuce.core.api.StatefulRedisConnection;
import io.strata.cache.Loader;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.benchmarks.peers.JetCacheRemote;
import io.strata.cache.benchmarks.peers.RedissonRemote;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
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
 * A remote hit: the local tier misses, Redis has the entry. Strata runs as a user has it (local
 * tier, breaker, tracking, metrics); its local tier keeps entries for 1 ns, so every read goes to
 * Redis and still pays the promotion a real local miss pays.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RemoteHitBenchmark {

  static final int KEYS = 1 << 10;

  /**
   * A key drawn at random for each read. Not a walk from each thread's own offset, as before
   * 2026-12-06 13:40: walking threads fell into convoys (a thread that caught up with another
   * joined its read of the same key, and they went on together), so that at 16 threads Strata
   * coalesced half its reads, which the raw clients cannot, and the 16-thread rows measured that.
   */
  @State(Scope.Thread)
  public static class Cursor {
    int index() {
      return ThreadLocalRandom.current().nextInt(KEYS);
    }
  }

  static final Loader<String, byte[]> NEVER =
      key -> {
        throw new IllegalStateException("remote-hit benchmark loaded " + key + ": Redis missed");
      };

  @State(Scope.Benchmark)
  public static class Strata {
    final String[] keys = Bench.keys("key-", KEYS);
    Bench.StrataOnRedis strata;
    MultiLevelCache<String, byte[]> cache;

    @Setup
    public void setUp() {
      strata =
          new Bench.StrataOnRedis("remote", b -> b.localTtl(Duration.ofNanos(1)).loader(NEVER));
      cache = strata.cache;
      Map<String, byte[]> all = new HashMap<>();
      for (int i = 0; i < KEYS; i++) {
        all.put(keys[i], Bench.value(i));
      }
      cache.putAll(all);
      String tier = cache.lookup(keys[0]).tier();
      if (!tier.equals("redis")) {
        throw new IllegalStateException("expected a Redis hit, served by " + tier);
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      strata.close();
    }
  }

  /** Lettuce alone, reading the very hashes Strata wrote. */
  @State(Scope.Benchmark)
  public static class Lettuce {
    final String[] keys = Bench.keys("strata:remote:key-", KEYS);
    RawLettuce lettuce;

    @Setup
    public void setUp() {
      lettuce = new RawLettuce(Bench.redisUri());
      Map<String, byte[]> all = new HashMap<>();
      for (int i = 0; i < KEYS; i++) {
        all.put(keys[i], Bench.value(i));
      }
      lettuce.write(all, Bench.TTL.toMillis());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      lettuce.close();
    }
  }

  /** A connection of each thread's own for Lettuce's transactions, which cannot share one. */
  @State(Scope.Thread)
  public static class LettuceTx {
    StatefulRedisConnection<String, byte[]> connection;

    @Setup
    public void setUp(Lettuce shared) {
      connection = shared.lettuce.newConnection();
      connection.setAutoFlushCommands(false);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      // JMH may tear the shared client down first, which closes this connection with it.
      if (connection.isOpen()) {
        connection.close();
      }
    }
  }

  @State(Scope.Benchmark)
  public static class JetCache {
    final String[] keys = Bench.keys("key-", KEYS);
    RemoteBytesCache cache;

    @Setup
    public void setUp() {
      cache = JetCacheRemote.create(Bench.redisUri(), "jet-remote", Bench.TTL);
      fill(cache, keys);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      cache.close();
    }
  }

  @State(Scope.Benchmark)
  public static class Redisson {
    final String[] keys = Bench.keys("key-", KEYS);
    RemoteBytesCache cache;

    @Setup
    public void setUp() {
      cache = RedissonRemote.create(Bench.redisUri(), "redisson-remote", Bench.TTL);
      fill(cache, keys);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      cache.close();
    }
  }

  static void fill(RemoteBytesCache cache, String[] keys) {
    Map<String, byte[]> all = new HashMap<>();
    for (int i = 0; i < keys.length; i++) {
      all.put(keys[i], Bench.value(i));
    }
    cache.putAll(all);
    if (cache.get(keys[0]) == null) {
      throw new IllegalStateException(cache + " did not store what it was given");
    }
  }

  @Benchmark
  public byte[] strata_get(Strata state, Cursor cursor) {
    return state.cache.get(state.keys[cursor.index()]);
  }

  @Benchmark
  public byte[] lettuce_hgetallPttl(Lettuce state, Cursor cursor) {
    return state.lettuce.read(state.keys[cursor.index()])[0];
  }

  /**
   * One HGETALL, no TTL: not a read Strata could do (it would not know how long the entry lives),
   * but the floor of any read of the same hash, to weigh the one-command reads of the peers by.
   */
  @Benchmark
  public byte[] lettuce_hgetall(Lettuce state, Cursor cursor) {
    return state.lettuce.readFieldsOnly(state.keys[cursor.index()]);
  }

  /** The read Strata sends (the fields and the TTL of one instant), with Lettuce's transactions. */
  @Benchmark
  public byte[] lettuce_multiExec_read(Lettuce state, LettuceTx tx, Cursor cursor) {
    return RawLettuce.readInTransaction(tx.connection, state.keys[cursor.index()]);
  }

  @Benchmark
  public byte[] jetcache_get(JetCache state, Cursor cursor) {
    return state.cache.get(state.keys[cursor.index()]);
  }

  @Benchmark
  public byte[] redisson_get(Redisson state, Cursor cursor) {
    return state.cache.get(state.keys[cursor.index()]);
  }
}
