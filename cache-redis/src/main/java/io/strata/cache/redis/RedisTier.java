package io.strata.cache.redis;

import io.strata.cache.TierFactory;
import io.strata.cache.codec.Codec;
import io.strata.cache.redis.internal.RedisCacheTier;
import java.time.Duration;
import java.util.Objects;

/**
 * Builds the Redis tier of a cache: a {@link TierFactory} to pass to {@code
 * MultiLevelCacheBuilder.tier(...)}.
 *
 * <p><b>Layout.</b> Each entry is one hash at {@code <prefix><cache name>:<key text>} with the
 * codec's bytes in field {@code b}, the codec id in {@code ct}, a format version and the entry's
 * metadata, written with its TTL in one atomic step; see the module README. A load's lease is a
 * string at {@code <prefix>:lease:{<entry key>}}, in the entry's Cluster slot.
 *
 * <p><b>Failures.</b> A Redis that is down, slow or returns something unreadable never fails a
 * cache call: reads become misses and writes are not taken (counted; a {@code put} or {@code
 * invalidate} is journaled and replayed as a deletion when Redis is back); a breaker ({@link
 * CircuitBreakerConfig}) stops sending commands to a Redis that keeps failing, and background
 * probes close it again without traffic.
 *
 * <p>Builders are not thread-safe; the factory they build and the tiers it creates are.
 */
public final class RedisTier {

  /** Default key prefix: {@code "strata:"}. */
  public static final String DEFAULT_PREFIX = "strata:";

  /** Default largest value written or read, in bytes: 1 MiB. */
  public static final int DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;

  /** Default life of a load's lease: 30 s. See {@link Builder#loadLease}. */
  public static final Duration DEFAULT_LOAD_LEASE = Duration.ofSeconds(30);

  private RedisTier() {}

  /** Returns a factory of Redis tiers for string keys, with the default options. */
  public static <V> TierFactory<String, V> factory(RedisCacheClient client, Codec<V> codec) {
    return builder(client, KeyMapper.strings(), codec).build();
  }

  /** Starts a Redis tier whose keys {@code keys} turns into text and values {@code codec} into bytes. */
  public static <K, V> Builder<K, V> builder(
      RedisCacheClient client, KeyMapper<K> keys, Codec<V> codec) {
    return new Builder<>(
        Objects.requireNonNull(client, "client"),
        Objects.requireNonNull(keys, "keys"),
        Objects.requireNonNull(codec, "codec"));
  }

  /**
   * Builds the factory of a Redis tier; validates each value as it is set. Not thread-safe.
   *
   * @param <K> the type of key
   * @param <V> the type of value
   */
  public static final class Builder<K, V> {
    private final RedisCacheClient client;
    private final KeyMapper<K> keys;
    private final Codec<V> codec;
    private String prefix = DEFAULT_PREFIX;
    private int maxValueBytes = DEFAULT_MAX_VALUE_BYTES;
    private CircuitBreakerConfig breaker = CircuitBreakerConfig.defaults();
    private Duration loadLease = DEFAULT_LOAD_LEASE;
    private Duration maxLeaseWait = Duration.ZERO;

    private Builder(RedisCacheClient client, KeyMapper<K> keys, Codec<V> codec) {
      this.client = client;
      this.keys = keys;
      this.codec = codec;
    }

    /**
     * Sets the text every key of this tier starts with, before the cache name; default {@code
     * "strata:"}. Give each application its own prefix when several share one Redis.
     */
    public Builder<K, V> prefix(String prefix) {
      Objects.requireNonNull(prefix, "prefix");
      if (prefix.isEmpty() || prefix.length() > 256) {
        throw new IllegalArgumentException(
            "prefix must be 1 to 256 characters, such as \"myapp:\", but was \"" + prefix + '"');
      }
      this.prefix = prefix;
      return this;
    }

    /**
     * Sets the largest encoded value this tier writes or reads, in bytes; default 1 MiB. Larger
     * values are not written (the key is deleted instead, counted and logged once), and larger
     * fields found in Redis are refused without being transferred.
     */
    public Builder<K, V> maxValueBytes(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxValueBytes must be at least 1, but was " + bytes);
      }
      this.maxValueBytes = bytes;
      return this;
    }

    /** Sets when the tier stops sending commands to a failing Redis; see {@link CircuitBreakerConfig}. */
    public Builder<K, V> circuitBreaker(CircuitBreakerConfig config) {
      this.breaker = Objects.requireNonNull(config, "config");
      return this;
    }

    /**
     * Sets how long a load's lease lives in Redis; default 30 s. Every load takes a lease on its
     * keys when it misses, and stores its value in Redis only if no change of the key (a put, an
     * invalidation, another load's store, on any instance) removed the lease since: so a load that
     * read the source before a change never writes the older value back. A load that takes longer
     * than this cannot store its value in Redis: its store is refused as if the key had changed
     * (the value is then kept in no tier). A lease whose holder died delays waiting instances
     * ({@link #stampedeGuard}) at most this long. Choose it well above the slowest load.
     *
     * @throws IllegalArgumentException if {@code lease} is not positive or under a millisecond
     */
    public Builder<K, V> loadLease(Duration lease) {
      Objects.requireNonNull(lease, "lease");
      if (lease.toMillis() < 1) {
        throw new IllegalArgumentException(
            "loadLease must be at least 1 ms, longer than the slowest load (default "
                + DEFAULT_LOAD_LEASE + "), but was " + lease);
      }
      this.loadLease = lease;
      return this;
    }

    /**
     * Turns on the distributed stampede guard: on a miss of a single key whose lease another
     * instance holds (it is loading the key), wait up to {@code maxWait} for its value to appear
     * in Redis instead of loading too; if the holder gives up or dies, its lease is taken here and
     * this instance loads. Past {@code maxWait}, this instance loads anyway. Off by default;
     * bulk loads, refreshes and peeks never wait.
     *
     * @throws IllegalArgumentException if {@code maxWait} is not positive or under a millisecond
     */
    public Builder<K, V> stampedeGuard(Duration maxWait) {
      Objects.requireNonNull(maxWait, "maxWait");
      if (maxWait.toMillis() < 1) {
        throw new IllegalArgumentException(
            "stampedeGuard needs a maxWait of at least 1 ms, such as Duration.ofSeconds(2), but"
                + " was " + maxWait);
      }
      this.maxLeaseWait = maxWait;
      return this;
    }

    /** Returns the factory; each cache built with it gets its own tier and breaker. */
    public TierFactory<K, V> build() {
      String prefix = this.prefix;
      int maxValueBytes = this.maxValueBytes;
      CircuitBreakerConfig breaker = this.breaker;
      Duration loadLease = this.loadLease;
      Duration maxLeaseWait = this.maxLeaseWait;
      return context ->
          new RedisCacheTier<>(
              client.link(),
              context,
              new RedisCacheTier.Settings<>(
                  prefix,
                  keys,
                  codec,
                  maxValueBytes,
                  breaker.failureThreshold(),
                  breaker.openDuration(),
                  breaker.maxOpenDuration(),
                  loadLease,
                  maxLeaseWait));
    }
  }
}
