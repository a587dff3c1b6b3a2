package io.strata.cache.examples.spring;

import io.strata.cache.MultiLevelCache;
import io.strata.cache.redis.RedisCacheClient;
import io.strata.cache.spring.boot.StrataCacheHealthIndicator;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.springframework.boot.CommandLineRunner;
import org.springframework.boot.health.contributor.Health;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.context.ApplicationContext;

/** Calls the cached service the way an application would, printing what each call cost. */
public class BookstoreDemo implements CommandLineRunner {

  static final String HOBBIT = "978-0261103344";
  static final String RINGS = "978-0547928227";
  private static final int CALLERS = 20;

  private final BookService books;
  private final SlowBookRepository repository;
  private final CacheManager cacheManager;
  private final ApplicationContext context;
  private final PrintStream out;

  BookstoreDemo(
      BookService books,
      SlowBookRepository repository,
      CacheManager cacheManager,
      ApplicationContext context,
      PrintStream out) {
    this.books = books;
    this.repository = repository;
    this.cacheManager = cacheManager;
    this.context = context;
    this.out = out;
  }

  @Override
  public void run(String... args) throws Exception {
    boolean redis = context.getBeanProvider(RedisCacheClient.class).getIfAvailable() != null;
    out.println(
        redis
            ? "Strata caches over Redis (" + redisLocation() + ")"
            : "Strata caches, local tier only (set REDIS_URL=redis://localhost:6379 to add Redis)");
    for (String name : cacheManager.getCacheNames()) {
      // Redis outlives this program: start from empty caches so that every run shows the same.
      cacheManager.getCache(name).clear();
    }

    timed("find(" + HOBBIT + ")           ", () -> books.find(HOBBIT), repository::bookCalls);
    timed("find(" + HOBBIT + ") again     ", () -> books.find(HOBBIT), repository::bookCalls);

    ExecutorService pool = Executors.newFixedThreadPool(CALLERS);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<CompletableFuture<String>> covers = new ArrayList<>();
      long begin = System.nanoTime();
      for (int i = 0; i < CALLERS; i++) {
        covers.add(CompletableFuture.supplyAsync(() -> {
          await(start);
          return books.cover(RINGS);
        }, pool));
      }
      start.countDown();
      String cover = covers.get(0).join();
      covers.forEach(CompletableFuture::join);
      out.printf("%d threads cover(%s) at once (sync = true): %s, %d ms, cover renders: %d%n",
          CALLERS, RINGS, cover, millisSince(begin), repository.coverCalls());
    } finally {
      pool.shutdown();
    }

    books.rename(HOBBIT, "There and Back Again");
    out.println("rename(" + HOBBIT + ") with @CacheEvict(\"books\")");
    timed("find(" + HOBBIT + ") after evict", () -> books.find(HOBBIT), repository::bookCalls);

    out.println("caches (as /actuator/caches lists them):");
    for (String name : cacheManager.getCacheNames()) {
      Cache cache = cacheManager.getCache(name);
      MultiLevelCache<?, ?> strata = (MultiLevelCache<?, ?>) cache.getNativeCache();
      out.println("  " + name + ": " + strata.stats());
    }
    context.getBeanProvider(StrataCacheHealthIndicator.class).ifAvailable(indicator -> {
      Health health = indicator.health();
      out.println("health (strataCache, as /actuator/health shows it): " + health.getStatus()
          + " " + health.getDetails());
    });
  }

  private String redisLocation() {
    RedisCacheClient client = context.getBean(RedisCacheClient.class);
    return client.options().toString();
  }

  private void timed(String what, Supplier<Book> call, Supplier<Integer> calls) {
    long begin = System.nanoTime();
    Book book = call.get();
    out.printf("%s -> %-22s %5d ms   repository calls: %d%n",
        what, book == null ? "(none)" : book.title(), millisSince(begin), calls.get());
  }

  private static long millisSince(long begin) {
    return Duration.ofNanos(System.nanoTime() - begin).toMillis();
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
