package io.strata.cache.examples.repository;

import io.strata.cache.CacheObserver;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.aside.CacheAside;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A slow repository made fast without touching it: {@link CacheAside} wraps
 * the {@link LocalInfoRepository} interface, whose {@code @Cached} read goes through a {@link
 * MultiLevelCache} and whose {@code @CacheEvict} update evicts. Prints, for each call, where the
 * answer came from and how long it took, then the hit ratio.
 */
public final class CacheAsideExample {

  private CacheAsideExample() {}

  public static void main(String[] args) {
    run(System.out, Duration.ofMillis(150));
  }

  /**
   * Runs the calls and prints them.
   *
   * @return where each read was served from ({@code "local"} or {@code "repository"}), in order
   */
  public static List<String> run(PrintStream out, Duration repositoryLatency) {
    SlowLocalInfoRepository slow = new SlowLocalInfoRepository(repositoryLatency);
    List<String> served = new ArrayList<>();
    try (MultiLevelCache<String, LocalInfo> places =
        MultiLevelCache.<String, LocalInfo>builder("places")
            .maximumSize(10_000)
            .negativeTtl(Duration.ofMinutes(5)) // unknown places do not reach the repository again
            .build()) {
      // Which tier answered the last read: the cache's observer hears every tier hit.
      AtomicReference<String> lastHit = new AtomicReference<>();
      places
          .advanced()
          .addObserver(
              new CacheObserver() {
                @Override
                public void tierHit(String tier) {
                  lastHit.set(tier);
                }
              });
      LocalInfoRepository repository =
          CacheAside.builder(LocalInfoRepository.class, slow).cache(places).build();

      String[] reads = {"lisboa", "lisboa", "porto", "lisboa", "porto", "atlantis", "atlantis"};
      for (String name : reads) {
        served.add(find(out, repository, slow, lastHit, name));
      }
      repository.update("lisboa", new LocalInfo("Lisboa", "Lisboa", 567_131));
      out.println("update(lisboa)                 -> repository, then evicted from the cache");
      served.add(find(out, repository, slow, lastHit, "lisboa"));
      served.add(find(out, repository, slow, lastHit, "lisboa"));

      out.printf(
          "repository calls: %d for %d reads and 1 update; hit ratio %.2f (%s)%n",
          slow.calls(), served.size(), places.stats().hitRate(), places.stats());
    }
    return served;
  }

  private static String find(
      PrintStream out,
      LocalInfoRepository repository,
      SlowLocalInfoRepository slow,
      AtomicReference<String> lastHit,
      String name) {
    int before = slow.calls();
    lastHit.set(null);
    long start = System.nanoTime();
    LocalInfo info = repository.find(name);
    double millis = (System.nanoTime() - start) / 1e6;
    String from = slow.calls() > before ? "repository" : String.valueOf(lastHit.get());
    out.printf("find(%-8s) %8.3f ms  -> %-10s %s%n", name, millis, from, info);
    return from;
  }
}
