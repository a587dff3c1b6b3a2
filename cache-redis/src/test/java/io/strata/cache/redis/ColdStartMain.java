package io.strata.cache.redis;

import io.strata.cache.CacheObserver;
import io.strata.cache.Lookup;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.TierHealth;
import io.strata.cache.codec.Codec;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One cold start, run in a fresh JVM by {@link RedisColdStartIT}: creates a client and a cache,
 * waits (bounded) for Redis to be in use, reads one key, and prints one {@code RESULT} line.
 * Arguments: the Redis URI and the key to read.
 */
public final class ColdStartMain {

  private ColdStartMain() {}

  public static void main(String[] args) throws Exception {
    long start = System.nanoTime();
    AtomicInteger tierErrors = new AtomicInteger();
    AtomicInteger writesDropped = new AtomicInteger();
    String tier = "-";
    String value = "-";
    boolean ready = false;
    try (RedisCacheClient client =
            RedisCacheClient.create(RedisConnectionOptions.standalone(args[0]).build());
        MultiLevelCache<String, String> cache =
            MultiLevelCache.<String, String>builder("cold")
                .ttl(Duration.ofMinutes(5))
                .tier(RedisTier.factory(client, Codec.utf8()))
                .loader(key -> "loaded-" + key)
                .build()) {
      cache
          .advanced()
          .addObserver(
              new CacheObserver() {
                @Override
                public void tierError(String t, Operation operation, Throwable error) {
                  tierErrors.incrementAndGet();
                }

                @Override
                public void writeDropped(String t) {
                  writesDropped.incrementAndGet();
                }
              });
      long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
      while (System.nanoTime() - deadline < 0) {
        if (client.isConnected()
            && cache.advanced().health().get("redis").state() == TierHealth.State.UP) {
          ready = true;
          break;
        }
        Thread.sleep(5);
      }
      long readyMillis = (System.nanoTime() - start) / 1_000_000;
      if (ready) {
        Lookup<String> first = cache.lookup(args[1]);
        tier = String.valueOf(first.tier());
        value = String.valueOf(first.value());
      }
      System.out.println(
          "RESULT ready=" + ready + " readyMs=" + readyMillis + " tier=" + tier + " value=" + value
              + " tierErrors=" + tierErrors + " writesDropped=" + writesDropped);
    }
    System.exit(0);
  }
}
