package io.strata.cache.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.redis.harness.RedisExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.Status;
import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Two Spring Boot applications sharing one real redis-server, as two instances of a service: what
 * one caches the other reads from Redis, and what one evicts leaves the other's local tier.
 */
class TwoInstancesRedisIT {

  @RegisterExtension static final RedisExtension REDIS = RedisExtension.standalone();

  private static final Duration WAIT = Duration.ofSeconds(15);

  private ConfigurableApplicationContext a;
  private ConfigurableApplicationContext b;
  private Books booksA;
  private Books booksB;

  /** A value stored in Redis as JSON bound to its type. */
  public record Book(String id, String title) {}

  @Configuration(proxyBeanMethods = false)
  @EnableCaching
  @ImportAutoConfiguration(StrataCacheAutoConfiguration.class)
  static class App {
    @Bean
    Books books() {
      return new Books();
    }
  }

  static class Books {
    private final AtomicInteger loads = new AtomicInteger();

    public int loads() {
      return loads.get();
    }

    @Cacheable("books")
    public Book find(String id) {
      return new Book(id, "title " + id + " #" + loads.incrementAndGet());
    }

    @CacheEvict("books")
    public void evict(String id) {}

    @Cacheable(cacheNames = "slow", sync = true)
    public String slow(String id) throws InterruptedException {
      int n = loads.incrementAndGet();
      Thread.sleep(200);
      return id + "#" + n;
    }
  }

  /** The application's own Jackson 3 mapper, which the Redis codec must use. */
  @Configuration(proxyBeanMethods = false)
  static class SnakeCaseMapper {
    @Bean
    tools.jackson.databind.json.JsonMapper jsonMapper() {
      return tools.jackson.databind.json.JsonMapper.builder()
          .propertyNamingStrategy(tools.jackson.databind.PropertyNamingStrategies.SNAKE_CASE)
          .build();
    }
  }

  /** A value whose JSON shows which mapper wrote it. */
  public record Titled(String fullTitle) {}

  private static ConfigurableApplicationContext start() {
    return start(App.class);
  }

  private static ConfigurableApplicationContext start(Class<?>... sources) {
    return new SpringApplicationBuilder(sources)
        .web(WebApplicationType.NONE)
        .properties(
            "spring.data.redis.url=" + REDIS.uri(),
            "strata.cache.defaults.ttl=5m",
            "strata.cache.defaults.value-type=java.lang.String",
            "strata.cache.caches.books.value-type=" + Book.class.getName(),
            "strata.cache.caches.books.ttl=7m",
            "strata.cache.caches.titled.value-type=" + Titled.class.getName())
        .run();
  }

  @BeforeEach
  void startBoth() {
    if (REDIS.isProcessLocal() && !REDIS.server().isRunning()) {
      REDIS.server().restart();
    }
    REDIS.flushAll();
    a = start();
    b = start();
    booksA = a.getBean(Books.class);
    booksB = b.getBean(Books.class);
    awaitUp(a);
    awaitUp(b);
  }

  /** Waits until the books cache's Redis tier is connected and tracking, as health reports it. */
  private static void awaitUp(ConfigurableApplicationContext context) {
    context.getBean(org.springframework.cache.CacheManager.class).getCache("books");
    StrataCacheHealthIndicator health = context.getBean(StrataCacheHealthIndicator.class);
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!health.health().getStatus().equals(Status.UP) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    assertThat(health.health().getStatus()).as("%s", health.health()).isEqualTo(Status.UP);
  }

  @AfterEach
  void closeBoth() {
    b.close();
    a.close();
  }

  @Test
  void cacheable_valueLoadedByOne_isReadFromRedisByTheOther() {
    Book loaded = booksA.find("1");
    assertThat(booksB.find("1")).isEqualTo(loaded);
    assertThat(booksA.loads()).isEqualTo(1);
    assertThat(booksB.loads()).isZero();
  }

  @Test
  void json_writtenWithTheApplicationsJsonMapper() {
    try (ConfigurableApplicationContext c = start(App.class, SnakeCaseMapper.class)) {
      awaitUp(c);
      org.springframework.cache.Cache titled =
          c.getBean(org.springframework.cache.CacheManager.class).getCache("titled");
      titled.put("1", new Titled("one"));
      Object stored = REDIS.server().command("HGET", "strata:titled:\"1\"", "b");
      String text =
          stored instanceof byte[] bytes
              ? new String(bytes, java.nio.charset.StandardCharsets.UTF_8)
              : String.valueOf(stored);
      assertThat(text).contains("\"full_title\":\"one\"");
      titled.evict("1");
      titled.put("2", new Titled("two"));
      // a second instance with the same mapper reads it back from Redis
      try (ConfigurableApplicationContext d = start(App.class, SnakeCaseMapper.class)) {
        awaitUp(d);
        assertThat(d.getBean(org.springframework.cache.CacheManager.class).getCache("titled")
                .get("2", Titled.class))
            .isEqualTo(new Titled("two"));
      }
    }
  }

  @Test
  void perCacheTtl_isTheRedisKeysTtl() {
    booksA.find("1");
    Object pttl = REDIS.server().command("PTTL", "strata:books:\"1\"");
    assertThat(((Number) pttl).longValue())
        .isBetween(Duration.ofMinutes(6).toMillis(), Duration.ofMinutes(7).toMillis());
  }

  @Test
  void cacheEvict_onOne_removesTheEntryFromTheOthersLocalTier() throws Exception {
    booksA.find("1");
    booksB.find("1"); // now in B's local tier
    assertThat(booksB.find("1").title()).isEqualTo("title 1 #1");
    assertThat(booksB.loads()).isZero();

    booksA.evict("1");

    long deadline = System.nanoTime() + WAIT.toNanos();
    while (booksB.loads() == 0 && System.nanoTime() < deadline) {
      booksB.find("1");
      Thread.sleep(20);
    }
    assertThat(booksB.loads()).as("B reloads once A's eviction reached its local tier").isEqualTo(1);
    assertThat(booksB.find("1").title()).isEqualTo("title 1 #1");
  }

  @Test
  void cacheableSync_200ConcurrentCallersOnAColdKey_oneCall() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(200);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        results.add(
            pool.submit(
                () -> {
                  go.await();
                  return booksA.slow("cold");
                }));
      }
      go.countDown();
      for (Future<String> result : results) {
        assertThat(result.get(30, TimeUnit.SECONDS)).isEqualTo("cold#1");
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(booksA.loads()).isEqualTo(1);
  }

  @Test
  void redisStopped_applicationKeepsAnswering_andHealthShowsTheDegradation() throws Exception {
    booksA.find("1");
    StrataCacheHealthIndicator health = a.getBean(StrataCacheHealthIndicator.class);
    long upBy = System.nanoTime() + WAIT.toNanos(); // tracking connects in the background
    while (!health.health().getStatus().equals(Status.UP) && System.nanoTime() < upBy) {
      Thread.sleep(50);
    }
    assertThat(health.health().getStatus()).as("%s", health.health()).isEqualTo(Status.UP);
    if (!REDIS.isProcessLocal()) {
      return; // a shared REDIS_URL server is not ours to stop
    }
    REDIS.server().shutdownNoSave();
    assertThat(booksA.find("1").id()).isEqualTo("1"); // local tier
    assertThat(booksA.find("2").id()).isEqualTo("2"); // loaded, no exception from the cache
    booksA.evict("1");
    assertThat(booksA.find("1").id()).isEqualTo("1");

    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!health.health().getStatus().equals(StrataCacheHealthIndicator.DEGRADED)
        && System.nanoTime() < deadline) {
      booksA.find("3");
      Thread.sleep(50);
    }
    assertThat(health.health().getStatus()).isEqualTo(StrataCacheHealthIndicator.DEGRADED);
    assertThat(health.health().getStatus()).isNotEqualTo(Status.DOWN);
  }
}
