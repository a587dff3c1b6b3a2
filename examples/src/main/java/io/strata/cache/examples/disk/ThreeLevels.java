package io.strata.cache.examples.disk;

import io.strata.cache.Lookup;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.MultiLevelCacheBuilder;
import io.strata.cache.TierHealth;
import io.strata.cache.codec.Codec;
import io.strata.cache.redis.RedisCacheClient;
import io.strata.cache.redis.RedisTier;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A third level of your own: local → Redis → {@link FileTier} → the source. Shows that a tier is
 * pluggable with {@code builder.tier(...)} alone, and that {@code lookup} names it.
 *
 * <p>Run with {@code REDIS_URL} for all three levels, or without it for local → disk. {@code
 * DISK_DIR} sets the directory (default: a new temporary one).
 */
public final class ThreeLevels {

  private ThreeLevels() {}

  public static void main(String[] args) throws IOException {
    String redisUrl = System.getenv("REDIS_URL");
    String dir = System.getenv("DISK_DIR");
    Path disk = dir == null || dir.isBlank() ? Files.createTempDirectory("strata-disk") : Path.of(dir);
    run(System.out, redisUrl == null || redisUrl.isBlank() ? null : redisUrl, disk);
  }

  /**
   * Reads one key through each level and prints where each read was served from.
   *
   * @return the {@code X-Cache}-style answers, in order
   */
  public static List<String> run(PrintStream out, @Nullable String redisUrl, Path disk) {
    AtomicInteger sourceCalls = new AtomicInteger();
    List<String> served = new ArrayList<>();
    out.println("levels: local -> " + (redisUrl == null ? "" : "redis -> ") + "disk (" + disk
        + ") -> source");
    try (RedisCacheClient redis = redisUrl == null ? null : RedisCacheClient.create(redisUrl)) {
      try (MultiLevelCache<String, String> prices = build(redis, disk, sourceCalls)) {
        awaitReady(prices);
        served.add(read(out, prices, "first read"));
        served.add(read(out, prices, "second read"));
      }
      if (redis != null) {
        // Redis loses the key (eviction, FLUSHALL, a restart without persistence): a cache with
        // the Redis tier alone, under the same name, deletes it there. The disk keeps its copy.
        try (MultiLevelCache<String, String> redisOnly =
            MultiLevelCache.<String, String>builder("prices")
                .tier(RedisTier.factory(redis, Codec.utf8()))
                .build()) {
          redisOnly.invalidate("sku-42");
        }
        out.println("(the key was deleted from Redis)");
      }
      out.println("(the process restarts: a new cache, an empty local tier)");
      try (MultiLevelCache<String, String> prices = build(redis, disk, sourceCalls)) {
        awaitReady(prices);
        served.add(read(out, prices, "after the restart"));
        served.add(read(out, prices, "once more"));
      }
    }
    out.println("calls to the source: " + sourceCalls.get());
    return served;
  }

  static MultiLevelCache<String, String> build(
      @Nullable RedisCacheClient redis, Path disk, AtomicInteger sourceCalls) {
    MultiLevelCacheBuilder<String, String> builder =
        MultiLevelCache.<String, String>builder("prices")
            .ttl(Duration.ofMinutes(10))
            .loader(
                key -> {
                  sourceCalls.incrementAndGet();
                  Thread.sleep(100); // stands for a slow source
                  return key + ": 9.99 EUR";
                });
    if (redis != null) {
      builder.tier(RedisTier.factory(redis, Codec.utf8())); // second level
    }
    builder.tier(FileTier.factory(disk, Codec.utf8())); // third level: below Redis
    return builder.build();
  }

  /**
   * Waits up to 5 s for every tier to be up. A Redis client connects in the background, and a new
   * cache's local tier fills only once Redis tracks its keys for it; until then reads still work,
   * just from lower levels, which would make this demo's output depend on timing.
   */
  static void awaitReady(MultiLevelCache<String, String> cache) {
    for (int i = 0; i < 100; i++) {
      cache.getIfPresent("ready?"); // lets a tier that was down probe again
      if (cache.advanced().health().values().stream()
          .allMatch(h -> h.state() == TierHealth.State.UP)) {
        return;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static String read(PrintStream out, MultiLevelCache<String, String> cache, String what) {
    Lookup<String> lookup = cache.lookup("sku-42");
    String served = lookup.isHit() ? "HIT-" + lookup.tier().toUpperCase(Locale.ROOT) : "MISS";
    out.printf("%-18s %-10s %s%n", what, served, lookup.value());
    return served;
  }
}
