package io.strata.cache.benchmarks;

import io.strata.cache.CacheObserver;
import java.util.function.UnaryOperator;

/**
 * Two Strata caches of one name, each on its own {@link io.strata.cache.redis.RedisCacheClient}
 * (own connections, own invalidation tracking), standing in for two service instances.
 */
public final class StrataPropagationPair implements PropagationPair {

  private final Bench.StrataOnRedis a;
  private final Bench.StrataOnRedis b;

  public StrataPropagationPair(String name) {
    a = new Bench.StrataOnRedis(name, UnaryOperator.identity());
    b = new Bench.StrataOnRedis(name, builder -> builder.loader(RemoteHitBenchmark.NEVER));
  }

  @Override
  public void readAtB(String key) {
    b.cache.get(key);
  }

  /** Strata has no quiet peek: a local miss here reads Redis too, which only re-fills B. */
  @Override
  public boolean heldAtB(String key) {
    return b.cache.lookup(key).tier().equals("local");
  }

  @Override
  public void writeAtA(String key, byte[] value) {
    a.cache.put(key, value);
  }

  @Override
  public void onInvalidationAtB(Runnable listener) {
    b.cache
        .advanced()
        .addObserver(
            new CacheObserver() {
              @Override
              public void invalidationReceived(String tier, int keys) {
                listener.run();
              }
            });
  }

  @Override
  public void close() {
    try {
      a.close();
    } finally {
      b.close();
    }
  }
}
