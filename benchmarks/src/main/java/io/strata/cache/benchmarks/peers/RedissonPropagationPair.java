package io.strata.cache.benchmarks.peers;

import io.strata.cache.benchmarks.PropagationPair;
import org.redisson.Redisson;
import org.redisson.api.RLocalCachedMap;
import org.redisson.api.RedissonClient;
import org.redisson.api.listener.LocalCacheInvalidateListener;
import org.redisson.api.options.LocalCachedMapOptions;
import org.redisson.api.options.LocalCachedMapOptions.EvictionPolicy;
import org.redisson.api.options.LocalCachedMapOptions.SyncStrategy;

/**
 * Two Redisson 4.7 clients, A and B, each with the {@link RLocalCachedMap} {@code name} (String
 * keys, raw {@code byte[]} values) and a local LRU cache of {@value #LOCAL_ENTRIES} entries, kept
 * coherent by {@link SyncStrategy#INVALIDATE}: A's {@code fastPut} is one Lua script doing {@code
 * HSET} and {@code PUBLISH} of an invalidation message on the map's topic; B, subscribed, drops its
 * local copy when the message arrives.
 *
 * <p>When the listener runs. Redisson's {@code LocalCacheListener.onMessage} (4.7.0) applies an
 * invalidation by removing the key from B's local map first and only then calling each {@link
 * LocalCacheInvalidateListener}, on a thread of Redisson's executor ({@code redisson-N-M}, sized by
 * {@code Config.threads}; one hop after the Netty thread that read the message); it does so only
 * if B did hold the key (an invalidation of a key B never cached notifies nobody), and not for a
 * whole-map clear. But 4.7 also calls the same listeners from {@code cachePut}, every time the map
 * stores a value in its own local cache, e.g. on each local miss of {@code get}, with the
 * replaced value (null for a new entry), on the thread that completed the read. {@link
 * #onInvalidationAtB} therefore passes on only calls after which B no longer holds the key, which
 * are exactly the applied invalidations.
 *
 * <p>Redisson's clients and maps are thread-safe; this pair is meant for the one-key-at-a-time use
 * {@link PropagationPair} describes.
 */
public final class RedissonPropagationPair implements PropagationPair {

  static final int LOCAL_ENTRIES = 10_000;

  private final RedissonClient clientA;
  private final RedissonClient clientB;
  private final RLocalCachedMap<String, byte[]> mapA;
  private final RLocalCachedMap<String, byte[]> mapB;

  private RedissonPropagationPair(
      RedissonClient clientA,
      RedissonClient clientB,
      RLocalCachedMap<String, byte[]> mapA,
      RLocalCachedMap<String, byte[]> mapB) {
    this.clientA = clientA;
    this.clientB = clientB;
    this.mapA = mapA;
    this.mapB = mapB;
  }

  /** Two clients for {@code redisUri}, each opening the local-cached map {@code name}. */
  public static RedissonPropagationPair create(String redisUri, String name) {
    RedissonClient a = Redisson.create(RedissonRemote.singleServer(redisUri));
    try {
      RedissonClient b = Redisson.create(RedissonRemote.singleServer(redisUri));
      try {
        // Same options on both, as two instances of one service would have.
        return new RedissonPropagationPair(
            a, b, a.getLocalCachedMap(options(name)), b.getLocalCachedMap(options(name)));
      } catch (RuntimeException e) {
        RedissonRemote.shutdown(b);
        throw e;
      }
    } catch (RuntimeException e) {
      RedissonRemote.shutdown(a);
      throw e;
    }
  }

  private static LocalCachedMapOptions<String, byte[]> options(String name) {
    return LocalCachedMapOptions.<String, byte[]>name(name)
        .codec(RedissonRemote.STRING_TO_BYTES)
        .syncStrategy(SyncStrategy.INVALIDATE)
        // With EvictionPolicy.NONE (the default) Redisson ignores cacheSize and keeps every
        // entry; LRU makes the 10,000 a real bound.
        .evictionPolicy(EvictionPolicy.LRU)
        .cacheSize(LOCAL_ENTRIES);
  }

  @Override
  public void readAtB(String key) {
    // A local miss reads Redis (HGET) and stores the value in B's local cache before returning.
    mapB.get(key);
  }

  /** B's local cache only ({@code getCachedMap} is a view of it): no Redis command is sent. */
  @Override
  public boolean heldAtB(String key) {
    return mapB.getCachedMap().containsKey(key);
  }

  @Override
  public void writeAtA(String key, byte[] value) {
    mapA.fastPut(key, value);
  }

  /**
   * Runs {@code listener} after B applied an invalidation; see the class comment for why Redisson's
   * invalidate listener is filtered: a call with no replaced value (a new local entry), or after
   * which B still holds the key (a local store), is not an invalidation. The check reads B's local
   * map only, on Redisson's thread.
   */
  @Override
  public void onInvalidationAtB(Runnable listener) {
    mapB.addListener(
        (LocalCacheInvalidateListener<String, byte[]>)
            (key, value) -> {
              if (value != null && !heldAtB(key)) {
                listener.run();
              }
            });
  }

  @Override
  public void close() {
    try {
      RedissonRemote.shutdown(clientA);
    } finally {
      RedissonRemote.shutdown(clientB);
    }
  }
}
