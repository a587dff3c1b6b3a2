package io.strata.cache.examples.spring;

import io.strata.cache.CacheObserver;
import io.strata.cache.MultiLevelCache;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cache.CacheManager;
import org.springframework.context.ConfigurableApplicationContext;

/** Starts the example application for a test, and drives concurrent callers. */
final class Bookstore {

  private Bookstore() {}

  /**
   * Starts the application without its demonstration and without the repository's delay; {@code
   * args} are command-line properties, which win over application.properties.
   */
  static ConfigurableApplicationContext start(String... args) {
    List<String> all = new ArrayList<>(List.of("--bookstore.demo=false", "--bookstore.repository-delay=0s"));
    all.addAll(List.of(args));
    return new SpringApplicationBuilder(BookstoreApplication.class)
        .web(WebApplicationType.NONE)
        .run(all.toArray(String[]::new));
  }

  /**
   * Calls {@code cover(isbn)} from {@code callers} threads at once, the first render held until
   * the others joined it (counted by the cache's coalesced waits), and returns the results.
   */
  static List<String> coversAtOnce(ConfigurableApplicationContext context, String isbn, int callers)
      throws Exception {
    MultiLevelCache<?, ?> covers =
        (MultiLevelCache<?, ?>)
            context.getBean(CacheManager.class).getCache("covers").getNativeCache();
    CountDownLatch joined = new CountDownLatch(callers - 1);
    covers.advanced().addObserver(new CacheObserver() {
      @Override
      public void coalescedWait() {
        joined.countDown();
      }
    });
    context.getBean(SlowBookRepository.class).slowness(() -> await(joined));
    BookService books = context.getBean(BookService.class);
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<CompletableFuture<String>> results = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        results.add(CompletableFuture.supplyAsync(() -> {
          await(start);
          return books.cover(isbn);
        }, pool));
      }
      start.countDown();
      List<String> covers2 = new ArrayList<>();
      for (CompletableFuture<String> result : results) {
        covers2.add(result.get(20, TimeUnit.SECONDS));
      }
      return covers2;
    } finally {
      pool.shutdownNow();
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new AssertionError("the other callers never joined the load");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
