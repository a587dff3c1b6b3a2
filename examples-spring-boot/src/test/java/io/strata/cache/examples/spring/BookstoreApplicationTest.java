package io.strata.cache.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.cache.CacheManager;
import org.springframework.context.ConfigurableApplicationContext;
import io.strata.cache.redis.RedisCacheClient;

/** The example without Redis: what its README promises, on the local tier alone. */
class BookstoreApplicationTest {

  // A REDIS_URL in the environment would turn Redis on; these tests are about running without it.
  private static final String NO_REDIS = "--strata.cache.redis.enabled=false";

  @Test
  void repeatedReads_callTheRepositoryOnce_andAgainAfterTheEvict() {
    try (ConfigurableApplicationContext context = Bookstore.start(NO_REDIS)) {
      BookService books = context.getBean(BookService.class);
      SlowBookRepository repository = context.getBean(SlowBookRepository.class);

      assertThat(books.find(BookstoreDemo.HOBBIT).title()).isEqualTo("The Hobbit");
      assertThat(books.find(BookstoreDemo.HOBBIT).title()).isEqualTo("The Hobbit");
      assertThat(repository.bookCalls()).isEqualTo(1);

      books.rename(BookstoreDemo.HOBBIT, "There and Back Again");
      assertThat(books.find(BookstoreDemo.HOBBIT).title()).isEqualTo("There and Back Again");
      assertThat(books.find(BookstoreDemo.HOBBIT).title()).isEqualTo("There and Back Again");
      assertThat(repository.bookCalls()).isEqualTo(2);
      assertThat(context.getBeanProvider(RedisCacheClient.class).getIfAvailable()).isNull();
    }
  }

  @Test
  void syncCover_twentyCallersOnAColdKey_renderOnce() throws Exception {
    try (ConfigurableApplicationContext context = Bookstore.start(NO_REDIS)) {
      assertThat(Bookstore.coversAtOnce(context, BookstoreDemo.RINGS, 20))
          .hasSize(20)
          .containsOnly("cover of The Lord of the Rings.png");
      assertThat(context.getBean(SlowBookRepository.class).coverCalls()).isEqualTo(1);
    }
  }

  @Test
  void theStarterProvidesTheCacheManager_withTheConfiguredCaches() {
    try (ConfigurableApplicationContext context = Bookstore.start(NO_REDIS)) {
      assertThat(context.getBean(CacheManager.class))
          .isInstanceOf(io.strata.cache.spring.StrataCacheManager.class);
      assertThat(context.getBean(CacheManager.class).getCacheNames())
          .containsExactly("books", "covers");
    }
  }

  @Test
  void theDemo_printsOneSlowReadThenAFastOne_oneRender_andAReloadAfterTheEvict() throws Exception {
    try (ConfigurableApplicationContext context = Bookstore.start(NO_REDIS)) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      new BookstoreDemo(
              context.getBean(BookService.class),
              context.getBean(SlowBookRepository.class),
              context.getBean(CacheManager.class),
              context,
              new PrintStream(bytes, true, StandardCharsets.UTF_8))
          .run();
      String out = bytes.toString(StandardCharsets.UTF_8);
      assertThat(out)
          .contains("local tier only")
          .containsPattern("find\\(978-0261103344\\) +-> The Hobbit .*repository calls: 1")
          .containsPattern("again +-> The Hobbit .*repository calls: 1")
          .contains("cover renders: 1")
          .containsPattern("after evict -> There and Back Again .*repository calls: 2")
          .contains("books: CacheStats")
          .contains("health (strataCache");
    }
  }

  @Test
  void main_runsTheDemo_andReturns() {
    PrintStream original = System.out;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    try {
      BookstoreApplication.main(new String[] {"--bookstore.repository-delay=0s", NO_REDIS});
    } finally {
      System.setOut(original);
    }
    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .contains("cover renders: 1")
        .containsPattern("after evict -> There and Back Again .*repository calls: 2");
  }
}
