package io.strata.cache.benchmarks.peers;

import io.strata.cache.benchmarks.RemoteBytesCache;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.redisson.Redisson;
import org.redisson.api.RLocalCachedMap;
import org.redisson.api.RedissonClient;
import org.redisson.api.options.LocalCachedMapOptions;
import org.redisson.api.options.LocalCachedMapOptions.ExpirationEventPolicy;
import org.redisson.api.options.LocalCachedMapOptions.ReconnectionStrategy;
import org.redisson.api.options.LocalCachedMapOptions.SyncStrategy;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.codec.Codec;
import org.redisson.client.codec.StringCodec;
import org.redisson.codec.CompositeCodec;
import org.redisson.config.Config;
import org.redisson.config.SingleServerConfig;

/**
 * Redisson 4.7's {@link RLocalCachedMap} with its local cache switched off, as a {@link
 * RemoteBytesCache}: one Redis hash named {@code name}, String fields, raw {@code byte[]} values.
 * get is {@code HGET} every time; put and putAll are one Redisson Lua script each ({@code HSET}
 * and the {@code PUBLISH} of the invalidation).
 * Thread-safe, as Redisson's client and map are (a pool of connections, not one shared one).
 *
 * <p><b>No per-entry TTL.</b> The {@code ttl} given to {@link #create} is accepted for the
 * interface and <em>ignored</em>: an open-source {@code RLocalCachedMap} stores every entry as a
 * field of one hash, and Redis 7.0 has no per-field expiry (the per-entry variant, {@code
 * RLocalCachedMapCache}, throws "implemented in the Redisson PRO version" in 4.7). Redisson could
 * put one TTL on the whole hash ({@code map.expire(ttl)}), but that is set once, not refreshed by
 * writes, and would drop every entry at the same moment mid-run, so it is not applied. Entries
 * therefore live until the hash is deleted; {@link #close()} leaves them in Redis.
 */
public final class RedissonRemote implements RemoteBytesCache {

  /** String map keys, {@code byte[]} map values copied as they are: no serialization. */
  static final Codec STRING_TO_BYTES =
      new CompositeCodec(StringCodec.INSTANCE, ByteArrayCodec.INSTANCE);

  private final RedissonClient redisson;
  private final RLocalCachedMap<String, byte[]> map;

  private RedissonRemote(RedissonClient redisson, RLocalCachedMap<String, byte[]> map) {
    this.redisson = redisson;
    this.map = map;
  }

  /** A Redisson client for {@code redisUri} and its local-cached map {@code name}, cache off. */
  public static RedissonRemote create(String redisUri, String name, Duration ttl) {
    RedissonClient redisson = Redisson.create(singleServer(redisUri));
    try {
      LocalCachedMapOptions<String, byte[]> options =
          LocalCachedMapOptions.<String, byte[]>name(name)
              .codec(STRING_TO_BYTES)
              // cacheSize -1 is Redisson's "local cache always empty": its LocalCacheView then
              // builds a NoOpCacheMap (get returns null, put stores nothing), so every get misses
              // locally and reads Redis with HGET. (0 would mean unbounded; storeMode LOCALCACHE
              // would be the opposite, local only.)
              .cacheSize(-1)
              // INVALIDATE as a deployed near cache has it: every write also publishes the
              // invalidation (in the same script), the cost Strata's writes pay through tracking.
              .syncStrategy(SyncStrategy.INVALIDATE)
              .reconnectionStrategy(ReconnectionStrategy.NONE)
              .expirationEventPolicy(ExpirationEventPolicy.DONT_SUBSCRIBE);
      return new RedissonRemote(redisson, redisson.getLocalCachedMap(options));
    } catch (RuntimeException e) {
      redisson.shutdown();
      throw e;
    }
  }

  @Override
  public byte @Nullable [] get(String key) {
    return map.get(key);
  }

  @Override
  public void put(String key, byte[] value) {
    map.fastPut(key, value);
  }

  /** One script for the whole map: a single {@code HSET} of every field. */
  @Override
  public void putAll(Map<String, byte[]> values) {
    map.putAll(values);
  }

  @Override
  public void close() {
    shutdown(redisson);
  }

  /** Shuts down without Netty's default 2 s quiet period, which only slows a run's teardown. */
  static void shutdown(RedissonClient redisson) {
    redisson.shutdown(0, 5, TimeUnit.SECONDS);
  }

  /**
   * A single-server Redisson config for a {@code redis://} or {@code rediss://} URI, with its
   * user, password and database ({@code /n}) if it has them. Redisson's own defaults otherwise
   * (connection pool of 64, 24 kept idle; 3 s timeout).
   */
  static Config singleServer(String redisUri) {
    URI uri = URI.create(redisUri);
    String scheme = "rediss".equals(uri.getScheme()) ? "rediss" : "redis";
    Config config = new Config();
    SingleServerConfig server =
        config
            .useSingleServer()
            .setAddress(
                scheme + "://" + uri.getHost() + ":" + (uri.getPort() < 0 ? 6379 : uri.getPort()));
    String path = uri.getPath();
    if (path != null && path.length() > 1) {
      server.setDatabase(Integer.parseInt(path.substring(1)));
    }
    // As Lettuce reads it: "user:password", ":password", or a lone "password".
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      if (colon > 0) {
        config.setUsername(URLDecoder.decode(userInfo.substring(0, colon), StandardCharsets.UTF_8));
      }
      // Redisson 4 keeps credentials on Config (the per-server setters are deprecated).
      config.setPassword(URLDecoder.decode(userInfo.substring(colon + 1), StandardCharsets.UTF_8));
    }
    return config;
  }
}
