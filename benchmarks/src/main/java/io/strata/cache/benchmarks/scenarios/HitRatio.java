package io.strata.cache.benchmarks.scenarios;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.strata.cache.CacheObserver;
import io.strata.cache.InvalidationSink;
import io.strata.cache.Lookup;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.Ticker;
import io.strata.cache.TierContext;
import io.strata.cache.TierFactory;
import io.strata.cache.benchmarks.Bench;
import io.strata.cache.codec.Codec;
import io.strata.cache.redis.RedisCacheClient;
import io.strata.cache.redis.RedisTier;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Collection;
import java.util.SplittableRandom;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Hit ratio on a mixed workload: keys drawn from a Zipfian distribution, 90% reads and 10% writes,
 * spread at random over two instances of a cache on one thread. The operation sequence comes from
 * a seeded generator, so every subject sees the same one, and the figures are counts: they do not
 * depend on the speed of the machine.
 *
 * <p>The scenario is the source of truth: each key has a latest version, a write makes a new one
 * and puts it into the instance that wrote it, a load returns the latest. A read that returns an
 * older version than the source's latest at that moment is counted as stale. Each value is the
 * key's rank and its version (12 bytes). After each write the subject may wait until the other
 * instance has applied the write's invalidation ({@link Pair#settle()}): the window before that is
 * what the invalidation-propagation scenario times, not counted here.
 */
public final class HitRatio {

  /** What one read was answered with. */
  public record Served(byte[] value, @Nullable String tier) {}

  /**
   * Two instances of one subject, standing in for two service instances, reading through {@code
   * source} on a miss. Called from one thread.
   */
  public interface Pair extends AutoCloseable {

    /**
     * Reads {@code key} through {@code instance} (0 or 1), loading it from the source on a miss.
     * The tier is {@code "local"}, the name of a lower tier, or null when the value was loaded.
     */
    Served read(int instance, String key);

    /** Stores {@code value} for {@code key} through {@code instance}. */
    void write(int instance, String key, byte[] value);

    /**
     * Returns once the other instance has applied the invalidation of every write so far, or false
     * if it gave up waiting. Subjects without invalidations return at once.
     */
    default boolean settle() {
      return true;
    }

    @Override
    void close();
  }

  /**
   * The counts of the measured operations of one subject, and the ratios derived from them.
   *
   * @param reads reads measured
   * @param writes writes measured
   * @param localHits reads the local tier answered
   * @param redisHits reads the shared tier answered (0 without one)
   * @param misses reads no tier answered, which reached the source
   * @param sourceLoads loader calls during the measured operations
   * @param staleReads reads answered with an older version than the source's latest
   * @param unsettled writes whose invalidation the other instance had not applied after {@link
   *     #SETTLE_TIMEOUT} (over warm-up and measurement)
   * @param hitRatio {@code (reads - misses) / reads}
   */
  public record Result(
      String subject,
      int keys,
      double skew,
      int localBound,
      int warmupOperations,
      int operations,
      long reads,
      long writes,
      long localHits,
      long redisHits,
      long misses,
      long sourceLoads,
      long staleReads,
      long unsettled,
      double hitRatio,
      double localHitRatio,
      double redisHitRatio,
      double sourceLoadsPer1000Reads) {

    static Result of(
        String subject, HitRatio scenario, long reads, long writes, long localHits, long redisHits,
        long misses, long sourceLoads, long staleReads, long unsettled) {
      double perRead = reads == 0 ? Double.NaN : 1.0 / reads;
      return new Result(
          subject,
          scenario.keys,
          scenario.skew,
          scenario.localBound,
          scenario.warmup,
          scenario.operations,
          reads,
          writes,
          localHits,
          redisHits,
          misses,
          sourceLoads,
          staleReads,
          unsettled,
          (reads - misses) * perRead,
          localHits * perRead,
          redisHits * perRead,
          sourceLoads * 1000.0 * perRead);
    }
  }

  /** How long a write waits for the other instance to apply its invalidation. */
  public static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(2);

  /** The seed of the operation sequence. */
  public static final long SEED = 18;

  /** Percentage of operations that are writes. */
  public static final int WRITE_PERCENT = 10;

  private final int keys;
  private final double skew;
  private final int localBound;
  private final int warmup;
  private final int operations;
  private final String[] names;
  private final Zipf zipf;

  /**
   * Keys 0 to {@code keys - 1}, drawn with Zipf exponent {@code skew}; {@code localBound} entries
   * per local tier; {@code warmup} unmeasured operations, then {@code operations} measured ones.
   */
  public HitRatio(int keys, double skew, int localBound, int warmup, int operations) {
    if (localBound >= keys) {
      throw new IllegalArgumentException(
          "localBound must be below keys (" + keys + "), but was " + localBound);
    }
    this.keys = keys;
    this.skew = skew;
    this.localBound = localBound;
    this.warmup = warmup;
    this.operations = operations;
    this.names = new String[keys];
    for (int i = 0; i < keys; i++) {
      names[i] = "k" + i;
    }
    this.zipf = new Zipf(keys, skew);
  }

  /** Returns the number of keys. */
  public int keys() {
    return keys;
  }

  /** Returns the bound of each local tier, in entries. */
  public int localBound() {
    return localBound;
  }

  /**
   * Runs the sequence against the pair {@code open} returns for the source; the pair is closed
   * before this returns.
   */
  public Result run(String subject, Function<Function<String, byte[]>, Pair> open) {
    AtomicLongArray latest = new AtomicLongArray(keys);
    AtomicLong loads = new AtomicLong();
    Function<String, byte[]> source =
        key -> {
          loads.incrementAndGet();
          int rank = rank(key);
          return value(rank, latest.get(rank));
        };
    SplittableRandom random = new SplittableRandom(SEED);
    long reads = 0;
    long writes = 0;
    long localHits = 0;
    long redisHits = 0;
    long misses = 0;
    long stale = 0;
    long unsettled = 0;
    long loadsAtStart = 0;
    try (Pair pair = open.apply(source)) {
      for (int op = 0; op < warmup + operations; op++) {
        if (op == warmup) {
          loadsAtStart = loads.get();
        }
        boolean measured = op >= warmup;
        int instance = random.nextInt(2);
        boolean write = random.nextInt(100) < WRITE_PERCENT;
        int rank = zipf.next(random);
        String key = names[rank];
        if (write) {
          long version = latest.incrementAndGet(rank);
          pair.write(instance, key, value(rank, version));
          if (!pair.settle()) {
            unsettled++;
          }
          if (measured) {
            writes++;
          }
          continue;
        }
        Served served = pair.read(instance, key);
        long version = version(subject, rank, served.value());
        long now = latest.get(rank);
        if (version > now) {
          throw new IllegalStateException(
              subject + " returned version " + version + " of " + key + ", the source has " + now);
        }
        if (!measured) {
          continue;
        }
        reads++;
        if (version < now) {
          stale++;
        }
        if (served.tier() == null) {
          misses++;
        } else if (served.tier().equals("local")) {
          localHits++;
        } else {
          redisHits++;
        }
      }
    }
    return Result.of(
        subject, this, reads, writes, localHits, redisHits, misses, loads.get() - loadsAtStart,
        stale, unsettled);
  }

  static byte[] value(int rank, long version) {
    return ByteBuffer.allocate(12).putInt(rank).putLong(version).array();
  }

  private static long version(String subject, int rank, byte[] value) {
    ByteBuffer buffer = ByteBuffer.wrap(value);
    if (value.length != 12 || buffer.getInt() != rank) {
      throw new IllegalStateException(subject + " returned a value of another key for k" + rank);
    }
    return buffer.getLong();
  }

  // ---------------------------------------------------------------------------- subjects

  /**
   * Two Strata caches of one name over the suite's Redis, each with its own {@link
   * RedisCacheClient}, a local tier of {@link #localBound()} entries, and the source as loader. After a write it waits until
   * the other instance has applied an invalidation of that key delivered after the write began, and
   * every invalidation of that key owed it by the writer's earlier loads stored in Redis: each
   * instance's Redis tier reports to a sink that counts, per key, the invalidations applied. Fails
   * on close if Redis reported an error or dropped a write, or a local tier was flushed (the
   * figures would then measure an outage).
   */
  public Pair strata(String name, Function<String, byte[]> source) {
    return new StrataPair(name, keys, localBound, source);
  }

  /**
   * Two independent Caffeine caches of {@link #localBound()} entries, each loading from the source:
   * no shared tier and no coherence between them, so a write at one leaves the other's copy stale.
   */
  public Pair caffeineAlone(Function<String, byte[]> source) {
    return new CaffeinePair(localBound, source);
  }

  private static final class StrataPair implements Pair {
    private final RedisCacheClient[] clients = new RedisCacheClient[2];

    /** Asks Redis whether a load was stored: only then is the other instance owed its push. */
    private final RedisClient rawClient;

    private final StatefulRedisConnection<String, String> raw;
    private final String keyPrefix;

    @SuppressWarnings("unchecked")
    private final MultiLevelCache<String, byte[]>[] caches = new MultiLevelCache[2];

    /** Per instance, per key rank: invalidations applied (written by the tracking thread). */
    private final AtomicIntegerArray[] heard = new AtomicIntegerArray[2];

    /** Per instance, per key rank: invalidations owed by the other instance's writes and loads. */
    private final int[][] owed = new int[2][];

    private final LongAdder failures = new LongAdder();
    private final LongAdder flushes = new LongAdder();
    private int lastWriter = -1;
    private int lastRank = -1;
    private int heardBeforeWrite;

    StrataPair(String name, int keys, int localBound, Function<String, byte[]> source) {
      rawClient = RedisClient.create(Bench.redisUri());
      raw = rawClient.connect();
      keyPrefix = "strata:" + name + ":";
      try {
        for (int i = 0; i < 2; i++) {
          heard[i] = new AtomicIntegerArray(keys);
          owed[i] = new int[keys];
          clients[i] = RedisCacheClient.create(Bench.redisUri());
          TierFactory<String, byte[]> redis = RedisTier.factory(clients[i], Codec.bytes());
          AtomicIntegerArray applied = heard[i];
          caches[i] =
              MultiLevelCache.<String, byte[]>builder(name)
                  .maximumSize(localBound)
                  .ttl(Bench.TTL)
                  .loader(source::apply)
                  .tier(context -> redis.create(new CountingContext(context, applied)))
                  .build();
          caches[i]
              .advanced()
              .addObserver(
                  new CacheObserver() {
                    @Override
                    public void flush(String tier, String reason) {
                      flushes.increment();
                    }

                    @Override
                    public void tierError(String tier, Operation operation, Throwable error) {
                      failures.increment();
                    }

                    @Override
                    public void writeDropped(String tier) {
                      failures.increment();
                    }
                  });
          Bench.awaitRedisTrusted(caches[i]);
        }
        flushes.reset(); // a tier becoming trusted at start may flush: no outage
      } catch (RuntimeException e) {
        closeAll();
        throw e;
      }
    }

    @Override
    public Served read(int instance, String key) {
      Lookup<byte[]> lookup = caches[instance].lookup(key);
      // A load Redis holds when lookup returns was stored by it (Redis missed the key): the other
      // instance will hear of it. A load may also not be stored, rightly: one that heard of a
      // change to its key, or to a key sharing its invalidation stripe, while it loaded.
      if (lookup.tier() == null && raw.sync().exists(keyPrefix + key) == 1) {
        owed[1 - instance][rank(key)]++;
      }
      byte[] value = lookup.value();
      if (value == null) {
        throw new IllegalStateException("Strata returned null for " + key);
      }
      return new Served(value, lookup.tier());
    }

    @Override
    public void write(int instance, String key, byte[] value) {
      int rank = rank(key);
      lastWriter = instance;
      lastRank = rank;
      heardBeforeWrite = heard[1 - instance].get(rank);
      // What this instance was owed for the key is moot now: a push for an older version that
      // arrives once Redis holds this write is this instance's own copy to keep, and Strata drops
      // it (cache-redis README, "The writer keeps its own copy"), so it may never be heard.
      owed[instance][rank] = heard[instance].get(rank);
      caches[instance].put(key, value);
      owed[1 - instance][rank]++;
    }

    /**
     * Waits until the other instance has applied an invalidation of the last written key that came
     * after the write began (an echo of its own earlier write counts too: Redis held the new write
     * when it was checked) and every one owed to it for that key.
     */
    @Override
    public boolean settle() {
      if (lastWriter < 0) {
        return true;
      }
      int other = 1 - lastWriter;
      int rank = lastRank;
      lastWriter = -1;
      long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
      int now;
      while ((now = heard[other].get(rank)) <= heardBeforeWrite || now < owed[other][rank]) {
        if (System.nanoTime() - deadline > 0) {
          owed[other][rank] = now;
          return false;
        }
        LockSupport.parkNanos(20_000);
      }
      // An invalidation heard beyond what was owed (a late echo of its own write) is no reason to
      // end a later wait early: count on from what was heard.
      owed[other][rank] = now;
      return true;
    }

    @Override
    public void close() {
      closeAll();
      if (failures.sum() != 0 || flushes.sum() != 0) {
        throw new IllegalStateException(
            failures.sum()
                + " Redis errors or dropped writes and "
                + flushes.sum()
                + " local flushes during the hit-ratio run of '"
                + caches[0].name()
                + "'");
      }
    }

    private void closeAll() {
      raw.close();
      rawClient.shutdown();
      for (int i = 0; i < 2; i++) {
        if (caches[i] != null) {
          caches[i].close();
        }
        if (clients[i] != null) {
          clients[i].close();
        }
      }
    }
  }

  /** The Redis tier's context, with a sink that counts per key the invalidations it applied. */
  private record CountingContext(TierContext<String> context, AtomicIntegerArray applied)
      implements TierContext<String>, InvalidationSink<String> {

    @Override
    public String cacheName() {
      return context.cacheName();
    }

    @Override
    public Ticker ticker() {
      return context.ticker();
    }

    @Override
    public Executor executor() {
      return context.executor();
    }

    @Override
    public InvalidationSink<String> invalidations() {
      return this;
    }

    @Override
    public CacheObserver observer() {
      return context.observer();
    }

    @Override
    public void invalidate(Collection<? extends String> keys) {
      context.invalidations().invalidate(keys);
      for (String key : keys) {
        applied.incrementAndGet(rank(key));
      }
    }

    @Override
    public void invalidateAll(String reason) {
      context.invalidations().invalidateAll(reason);
    }

    @Override
    public void suspend(String reason) {
      context.invalidations().suspend(reason);
    }

    @Override
    public void resume() {
      context.invalidations().resume();
    }

    @Override
    public void recovered() {
      context.invalidations().recovered();
    }
  }

  private static int rank(String key) {
    return Integer.parseInt(key, 1, key.length(), 10);
  }

  private static final class CaffeinePair implements Pair {
    private final Function<String, byte[]> source;
    private final Cache<String, byte[]>[] caches;
    private boolean loaded;

    @SuppressWarnings("unchecked")
    CaffeinePair(int localBound, Function<String, byte[]> source) {
      this.source = source;
      this.caches =
          new Cache[] {
            Caffeine.newBuilder().maximumSize(localBound).build(),
            Caffeine.newBuilder().maximumSize(localBound).build()
          };
    }

    @Override
    public Served read(int instance, String key) {
      loaded = false;
      byte[] value =
          caches[instance].get(
              key,
              k -> {
                loaded = true;
                return source.apply(k);
              });
      return new Served(value, loaded ? null : "local");
    }

    @Override
    public void write(int instance, String key, byte[] value) {
      caches[instance].put(key, value);
    }

    @Override
    public void close() {
      for (Cache<String, byte[]> cache : caches) {
        cache.invalidateAll();
      }
    }
  }

  // -------------------------------------------------------------------------------- Zipf

  /**
   * Ranks 0 to n - 1 drawn with probability proportional to {@code 1 / (rank + 1)^s}, by binary
   * search in the precomputed cumulative distribution. Immutable; the caller's generator makes the
   * sequence.
   */
  static final class Zipf {
    private final double[] cdf;

    Zipf(int n, double s) {
      if (n < 1 || !(s > 0)) {
        throw new IllegalArgumentException("n must be positive and s above 0, but were " + n + ", " + s);
      }
      cdf = new double[n];
      double sum = 0;
      for (int i = 0; i < n; i++) {
        sum += 1 / Math.pow(i + 1, s);
        cdf[i] = sum;
      }
      for (int i = 0; i < n; i++) {
        cdf[i] /= sum;
      }
      cdf[n - 1] = 1.0;
    }

    /** Returns the probability of {@code rank}. */
    double probability(int rank) {
      return rank == 0 ? cdf[0] : cdf[rank] - cdf[rank - 1];
    }

    int next(SplittableRandom random) {
      double u = random.nextDouble();
      int low = 0;
      int high = cdf.length - 1;
      while (low < high) {
        int mid = (low + high) >>> 1;
        if (cdf[mid] > u) {
          high = mid;
        } else {
          low = mid + 1;
        }
      }
      return low;
    }
  }
}
