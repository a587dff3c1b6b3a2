package io.strata.cache.examples;

import io.strata.cache.Lookup;
import io.strata.cache.MultiLevelCache;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Strata in one screen: a slow "upstream", a cache in front of it, and what the cache does with a
 * miss, a hit and a burst of concurrent callers for one cold key. Runs with nothing but a JDK.
 */
public final class QuickStart {

  private QuickStart() {}

  public static void main(String[] args) {
    AtomicInteger upstreamCalls = new AtomicInteger();
    try (MultiLevelCache<String, String> weather =
        MultiLevelCache.<String, String>builder("weather")
            .maximumSize(10_000)
            .ttl(Duration.ofMinutes(5))
            .staleIfError(Duration.ofMinutes(30))
            .loader(city -> slowUpstream(city, upstreamCalls))
            .build()) {

      time("first read (miss, goes upstream)", () -> weather.lookup("lisbon"));
      time("second read (local hit)", () -> weather.lookup("lisbon"));

      List<CompletableFuture<String>> burst = new ArrayList<>();
      long start = System.nanoTime();
      for (int i = 0; i < 50; i++) {
        burst.add(weather.getAsync("porto"));
      }
      burst.forEach(CompletableFuture::join);
      System.out.printf(
          "50 concurrent reads of a cold key: %d ms, upstream calls so far: %d (one for lisbon,"
              + " one for porto)%n",
          (System.nanoTime() - start) / 1_000_000, upstreamCalls.get());

      System.out.println("stats: " + weather.stats());
    }
  }

  private static void time(String what, java.util.function.Supplier<Lookup<String>> read) {
    long start = System.nanoTime();
    Lookup<String> lookup = read.get();
    System.out.printf(
        "%-36s %-24s X-Cache: %-10s %.3f ms%n",
        what,
        lookup.value(),
        lookup.isHit() ? "HIT-" + lookup.tier().toUpperCase() : "MISS",
        (System.nanoTime() - start) / 1e6);
  }

  private static String slowUpstream(String city, AtomicInteger calls) throws InterruptedException {
    calls.incrementAndGet();
    Thread.sleep(200); // stands for a slow, paid HTTP API
    return city + ": 21°C, clear";
  }
}
