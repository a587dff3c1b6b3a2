package io.strata.cache.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.redis.RedisCacheClient;
import io.strata.cache.redis.harness.RedisExtension;
import io.strata.cache.spring.boot.StrataCacheHealthIndicator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.health.contributor.Status;
import org.springframework.cache.CacheManager;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The example with Redis (what {@code REDIS_URL} turns on), as two instances of the application on
 * one real redis-server: what one reads the other finds in Redis, what one evicts both reload.
 */
class BookstoreRedisIT {

  @RegisterExtension static final RedisExtension REDIS = RedisExtension.standalone();

  private ConfigurableApplicationContext a;
  private ConfigurableApplicationContext b;

  @BeforeEach
  void startTwoInstances() {
    REDIS.flushAll();
    a = Bookstore.start("--strata.cache.redis.url=" + REDIS.uri());
    b = Bookstore.start("--strata.cache.redis.url=" + REDIS.uri());
    awaitRedis(a);
    awaitRedis(b);
  }

  @AfterEach
  void stop() {
    if (a != null) {
      a.close();
    }
    if (b != null) {
      b.close();
    }
  }

  @Test
  void repeatedReads_callTheRepositoryOnce_acrossInstances_andAgainAfterTheEvict() {
    BookService booksA = a.getBean(BookService.class);
    BookService booksB = b.getBean(BookService.class);
    SlowBookRepository repoA = a.getBean(SlowBookRepository.class);
    SlowBookRepository repoB = b.getBean(SlowBookRepository.class);

    assertThat(booksA.find(BookstoreDemo.HOBBIT).title()).isEqualTo("The Hobbit");
    assertThat(booksA.find(BookstoreDemo.HOBBIT).title()).isEqualTo("The Hobbit");
    assertThat(repoA.bookCalls()).isEqualTo(1);
    assertThat(redisKeys("strata-example:books:*")).hasSize(1);

    // The other instance reads the value (JSON bound to Book) from Redis, not from its repository.
    assertThat(booksB.find(BookstoreDemo.HOBBIT)).isEqualTo(new Book(BookstoreDemo.HOBBIT, "The Hobbit"));
    assertThat(repoB.bookCalls()).isZero();

    repoB.rename(BookstoreDemo.HOBBIT, "There and Back Again");
    booksA.rename(BookstoreDemo.HOBBIT, "There and Back Again");
    assertThat(redisKeys("strata-example:books:*")).isEmpty();
    assertThat(booksA.find(BookstoreDemo.HOBBIT).title()).isEqualTo("There and Back Again");
    assertThat(repoA.bookCalls()).isEqualTo(2);
    // B's local copy was dropped by A's evict (Redis invalidation): B gets A's fresh value.
    awaitUntil(() -> "There and Back Again".equals(booksB.find(BookstoreDemo.HOBBIT).title()),
        "B to read the renamed book");
    assertThat(repoA.bookCalls() + repoB.bookCalls()).isLessThanOrEqualTo(3);
  }

  @Test
  void syncCover_twentyCallersOnAColdKey_renderOnce_andTheOtherInstanceReadsItFromRedis()
      throws Exception {
    assertThat(Bookstore.coversAtOnce(a, BookstoreDemo.RINGS, 20))
        .containsOnly("cover of The Lord of the Rings.png");
    assertThat(a.getBean(SlowBookRepository.class).coverCalls()).isEqualTo(1);
    assertThat(b.getBean(BookService.class).cover(BookstoreDemo.RINGS))
        .isEqualTo("cover of The Lord of the Rings.png");
    assertThat(b.getBean(SlowBookRepository.class).coverCalls()).isZero();
  }

  @Test
  void theDemo_saysItUsesRedis_andShowsTheSameCalls() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    new BookstoreDemo(
            a.getBean(BookService.class),
            a.getBean(SlowBookRepository.class),
            a.getBean(CacheManager.class),
            a,
            new PrintStream(bytes, true, StandardCharsets.UTF_8))
        .run();
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(out)
        .contains("over Redis (RedisConnectionOptions{STANDALONE redis://")
        .containsPattern("again +-> The Hobbit .*repository calls: 1")
        .contains("cover renders: 1")
        .containsPattern("after evict -> There and Back Again .*repository calls: 2")
        .contains("health (strataCache, as /actuator/health shows it): UP");
    assertThat(a.getBean(RedisCacheClient.class).isConnected()).isTrue();
  }

  private static List<?> redisKeys(String pattern) {
    return (List<?>) REDIS.server().command("KEYS", pattern);
  }

  /** Waits until both caches' Redis tiers are connected and tracking, as health reports it. */
  private static void awaitRedis(ConfigurableApplicationContext context) {
    StrataCacheHealthIndicator health = context.getBean(StrataCacheHealthIndicator.class);
    awaitUntil(() -> health.health().getStatus().equals(Status.UP), "Redis tier UP: " + health.health());
  }

  private static void awaitUntil(java.util.function.BooleanSupplier condition, String what) {
    io.strata.cache.redis.harness.Await.until(Duration.ofSeconds(15), condition, what);
  }
}
