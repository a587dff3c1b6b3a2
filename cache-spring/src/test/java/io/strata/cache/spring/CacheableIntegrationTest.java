package io.strata.cache.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.MultiLevelCache;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.CachePut;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Spring's caching annotations over a {@link StrataCacheManager}, in a real context. */
class CacheableIntegrationTest {

  private final AnnotationConfigApplicationContext context =
      new AnnotationConfigApplicationContext(Config.class);
  private final Books books = context.getBean(Books.class);

  @AfterEach
  void close() {
    context.close();
  }

  @Test
  void cacheable_secondCallServedFromCache() {
    assertThat(books.find("a", 1)).isEqualTo("a-1#1");
    assertThat(books.find("a", 1)).isEqualTo("a-1#1");
    assertThat(books.find("a", 2)).isEqualTo("a-2#2");
    assertThat(books.calls()).isEqualTo(2);
  }

  @Test
  void cacheable_nullResultCached() {
    assertThat(books.missing("x")).isNull();
    assertThat(books.missing("x")).isNull();
    assertThat(books.calls()).isEqualTo(1);
  }

  @Test
  void cacheEvict_andCachePut() {
    books.find("a", 1);
    books.evict("a", 1);
    assertThat(books.find("a", 1)).isEqualTo("a-1#2");
    books.update("a", 1);
    assertThat(books.find("a", 1)).isEqualTo("updated");
  }

  @Test
  void cacheableSync_200ConcurrentCallersOnAColdKey_oneCall() throws Exception {
    @SuppressWarnings("unchecked")
    MultiLevelCache<String, Object> slow =
        (MultiLevelCache<String, Object>)
            context.getBean(CacheManager.class).getCache("slow").getNativeCache();
    books.holdLoadsUntil(Waiters.joining(slow, 199));
    Concurrently.run(200, () -> assertThat(books.slow("cold")).isEqualTo("cold#1"));
    assertThat(books.calls()).isEqualTo(1);
  }

  @Configuration
  @EnableCaching
  static class Config {
    @Bean
    CacheManager cacheManager() {
      return StrataCacheManager.builder(
              name -> MultiLevelCache.<String, Object>builder(name).ttl(Duration.ofMinutes(1)))
          .build();
    }

    @Bean
    Books books() {
      return new Books();
    }
  }

  static class Books {
    private final AtomicInteger calls = new AtomicInteger();
    /** What a slow load waits for: the other callers joining it. */
    private volatile CountDownLatch othersJoined = new CountDownLatch(0);

    /** Read through a method: the caching proxy has fields of its own. */
    public int calls() {
      return calls.get();
    }

    /** Set through a method, for the same reason: a field set on the proxy is not the bean's. */
    public void holdLoadsUntil(CountDownLatch latch) {
      othersJoined = latch;
    }

    @Cacheable("books")
    public String find(String id, int page) {
      return id + "-" + page + "#" + calls.incrementAndGet();
    }

    @Cacheable("missing")
    public String missing(String id) {
      calls.incrementAndGet();
      return null;
    }

    @CacheEvict("books")
    public void evict(String id, int page) {}

    @CachePut(cacheNames = "books", key = "new org.springframework.cache.interceptor.SimpleKey(#p0, #p1)")
    public String update(String id, int page) {
      return "updated";
    }

    @Cacheable(cacheNames = "slow", sync = true)
    public String slow(String id) {
      int n = calls.incrementAndGet();
      Waiters.await(othersJoined);
      return id + "#" + n;
    }
  }
}
