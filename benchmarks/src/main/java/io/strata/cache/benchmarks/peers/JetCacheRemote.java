package io.strata.cache.benchmarks.peers;

import com.alicp.jetcache.Cache;
import com.alicp.jetcache.CacheGetResult;
import com.alicp.jetcache.CacheResult;
import com.alicp.jetcache.CacheResultCode;
import com.alicp.jetcache.CacheValueHolder;
import com.alicp.jetcache.anno.KeyConvertor;
import com.alicp.jetcache.redis.lettuce.LettuceConnectionManager;
import com.alicp.jetcache.redis.lettuce.RedisLettuceCacheBuilder;
import io.lettuce.core.RedisClient;
import io.strata.cache.benchmarks.RemoteBytesCache;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * JetCache 2.7's remote cache ({@code RedisLettuceCache}) as a {@link RemoteBytesCache}: keys are
 * {@code name + ":" + key}, each entry written with {@code PSETEX} and the TTL given, values are
 * {@code byte[]} behind an 8-byte header (the holder's expire time) plus the bytes, so no Java
 * serialization, Kryo or fastjson is measured. Only the remote cache is built: no local or
 * multi-level cache, no loader, so every get is a Redis {@code GET}.
 *
 * <p>It has its own Lettuce {@link RedisClient}, on which JetCache opens one connection that all
 * callers share (JetCache's design: commands are pipelined on it). Thread-safe, as JetCache's
 * cache and Lettuce's connection are.
 *
 * <p>Runs on the reactor's Lettuce (7.x) although JetCache is compiled against 6.1: every Lettuce
 * method JetCache's Lettuce module links to still exists with the same descriptor in 7.x.
 */
public final class JetCacheRemote implements RemoteBytesCache {

  private static final VarHandle LONG_BE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final int HEADER = Long.BYTES;

  private final RedisClient client;
  private final Cache<String, byte[]> cache;

  private JetCacheRemote(RedisClient client, Cache<String, byte[]> cache) {
    this.client = client;
    this.cache = cache;
  }

  /** A JetCache remote cache on a new Lettuce client for {@code redisUri}. */
  public static JetCacheRemote create(String redisUri, String name, Duration ttl) {
    RedisClient client = RedisClient.create(redisUri);
    try {
      Cache<String, byte[]> cache =
          RedisLettuceCacheBuilder.createRedisLettuceCacheBuilder()
              .redisClient(client)
              .keyPrefix(name + ":")
              // JetCache's identity convertor: String keys reach Redis as prefix + key in UTF-8,
              // no fastjson/Jackson key conversion.
              .keyConvertor(KeyConvertor.NONE_INSTANCE)
              .valueEncoder(JetCacheRemote::encode)
              .valueDecoder(JetCacheRemote::decode)
              .expireAfterWrite(ttl.toMillis(), TimeUnit.MILLISECONDS)
              .buildCache();
      return new JetCacheRemote(client, cache);
    } catch (RuntimeException e) {
      client.shutdown();
      throw e;
    }
  }

  /**
   * {@code Cache.get} is {@code GET(key)} then {@code isSuccess() ? getValue() : null}; calling
   * {@code GET} ourselves is the same path and the same wait, but a Redis error throws instead of
   * reading as a miss.
   */
  @Override
  public byte @Nullable [] get(String key) {
    CacheGetResult<byte[]> r = cache.GET(key);
    CacheResultCode code = r.getResultCode(); // waits for Redis' reply
    if (code == CacheResultCode.SUCCESS) {
      return r.getValue();
    }
    if (code == CacheResultCode.NOT_EXISTS || code == CacheResultCode.EXPIRED) {
      return null;
    }
    throw new IllegalStateException("JetCache GET " + key + ": " + code + " " + r.getMessage());
  }

  /**
   * Not {@code cache.put}: in 2.7 that is {@code PUT(key, value)} with the result dropped, so it
   * returns once {@code PSETEX} is queued, not acknowledged. Waiting on {@code PUT}'s result is
   * what a caller who needs the write done does, and what the interface asks for.
   */
  @Override
  public void put(String key, byte[] value) {
    check("PUT " + key, cache.PUT(key, value));
  }

  /**
   * {@code PUT_ALL} sends one {@code PSETEX} per entry, pipelined on the shared connection
   * (JetCache has no MSET-with-TTL batch); as with {@link #put}, {@code cache.putAll} would not
   * wait.
   */
  @Override
  public void putAll(Map<String, byte[]> values) {
    check("PUT_ALL of " + values.size(), cache.PUT_ALL(values));
  }

  @Override
  public void close() {
    cache.close();
    // JetCache never closes what its connection manager opened; this closes the connection and
    // shuts the client down.
    LettuceConnectionManager.defaultManager().removeAndClose(client);
  }

  private static void check(String what, CacheResult r) {
    if (!r.isSuccess()) { // waits for Redis' reply (up to JetCache's 1 s result timeout)
      throw new IllegalStateException(
          "JetCache " + what + ": " + r.getResultCode() + " " + r.getMessage());
    }
  }

  /**
   * JetCache stores a {@link CacheValueHolder}; of it only the expire time is read back by the
   * remote cache (its GET treats {@code now >= expireTime} as expired). The access time matters
   * only with expireAfterAccess, which the Redis cache refuses, so it is not stored.
   */
  static byte[] encode(Object holder) {
    CacheValueHolder<?> h = (CacheValueHolder<?>) holder;
    if (!(h.getValue() instanceof byte[] value)) {
      throw new IllegalArgumentException("byte[] values only, got " + h.getValue());
    }
    byte[] out = new byte[HEADER + value.length];
    LONG_BE.set(out, 0, h.getExpireTime());
    System.arraycopy(value, 0, out, HEADER, value.length);
    return out;
  }

  /** Copies the bytes after the header (Lettuce's JetCacheCodec already copied the reply once). */
  static Object decode(byte[] bytes) {
    CacheValueHolder<byte[]> h = new CacheValueHolder<>();
    h.setExpireTime((long) LONG_BE.get(bytes, 0));
    h.setValue(Arrays.copyOfRange(bytes, HEADER, bytes.length));
    return h;
  }
}
