package io.strata.cache.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.MultiLevelCache;
import io.strata.cache.testkit.FakeTicker;
import io.strata.cache.testkit.InMemoryTier;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The multi-step cache-tests cases (304 handling, no-cache, negative answers), each named by its
 * cache-tests id or the issue point it pins; counted with {@link ConformanceIT} in the README.
 */
class ConformanceStepsIT {

  private final TestServer server = new TestServer();
  private final FakeTicker ticker = new FakeTicker();
  private final InMemoryTier.Store shared = new InMemoryTier.Store();
  private final AtomicInteger call = new AtomicInteger();

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  private io.strata.cache.MultiLevelCacheBuilder<String, HttpValue> builder() {
    return MultiLevelCache.<String, HttpValue>builder("steps")
        .loader(
            HttpLoader.create(
                server.uri("/s/"),
                HttpLoaderOptions.builder().keptHeaders(java.util.Set.of("cache-control", "etag", "test-header")).sleeper(d -> {}).build()))
        .tier(InMemoryTier.factory("shared", shared, HttpValue.codec()))
        .ticker(ticker);
  }

  /** 304-etag-update-response-Cache-Control and -Test-Header; a later bare 304 uses the latest. */
  @Test
  void update304_theStoredHeadersTakeThe304s_andABare304LaterUsesTheLatestCacheControl() {
    server.handler(
        exchange -> {
          int n = call.getAndIncrement();
          if (n == 0) {
            TestServer.respond(exchange, 200, "body", "Cache-Control", "max-age=1", "ETag", "\"a\"", "Test-Header", "one");
          } else if (n == 1) {
            TestServer.respond(exchange, 304, "", "Cache-Control", "max-age=3600", "ETag", "\"a\"", "Test-Header", "two");
          } else {
            TestServer.respond(exchange, 304, "", "ETag", "\"a\"");
          }
        });
    MultiLevelCache<String, HttpValue> cache = builder().build();
    assertThat(cache.get("k").headers().get("test-header")).containsExactly("one");
    ticker.advance(Duration.ofSeconds(3));
    HttpValue updated = cache.get("k");
    assertThat(updated.bodyAsString()).isEqualTo("body");
    assertThat(updated.headers().get("test-header")).containsExactly("two");
    assertThat(updated.headers().get("cache-control")).containsExactly("max-age=3600");
    assertThat(server.requestCount()).isEqualTo(2);

    ticker.advance(Duration.ofSeconds(3599)); // fresh by the 304's max-age=3600
    cache.get("k");
    assertThat(server.requestCount()).isEqualTo(2);
    ticker.advance(Duration.ofSeconds(2));
    cache.get("k"); // a bare 304: the stored max-age=3600 (the latest) applies again
    assertThat(server.requestCount()).isEqualTo(3);
    ticker.advance(Duration.ofSeconds(3000));
    cache.get("k");
    assertThat(server.requestCount()).as("still fresh for an hour, not the first max-age=1").isEqualTo(3);
  }

  /** RFC 9111, 4.3.4: a 304 with another strong validator does not select the stored body. */
  @Test
  void a304WithAnotherStrongEtag_doesNotRenewTheOldBody_theBodyIsFetchedAgain() {
    server.handler(
        exchange -> {
          int n = call.getAndIncrement();
          String inm = exchange.getRequestHeaders().getFirst("If-None-Match");
          if (n == 0) {
            TestServer.respond(exchange, 200, "old", "Cache-Control", "max-age=1", "ETag", "\"a\"");
          } else if (inm != null) {
            TestServer.respond(exchange, 304, "", "Cache-Control", "max-age=60", "ETag", "\"b\"");
          } else {
            TestServer.respond(exchange, 200, "new", "Cache-Control", "max-age=60", "ETag", "\"b\"");
          }
        });
    MultiLevelCache<String, HttpValue> cache = builder().build();
    assertThat(cache.get("k").bodyAsString()).isEqualTo("old");
    ticker.advance(Duration.ofSeconds(3));
    assertThat(cache.get("k").bodyAsString()).isEqualTo("new");
    assertThat(server.requests().get(2).header("If-None-Match")).isNull();
  }

  /** Issue point 6: a 404 with no-store, or stale by its own headers, is not kept for negativeTtl. */
  @Test
  void aNotFoundThatMayNotBeKept_isNotKept_despiteNegativeTtl() {
    for (String[] headers :
        new String[][] {{"Cache-Control", "no-store"}, {"Cache-Control", "max-age=0"}, {"Cache-Control", "no-cache"}}) {
      server.handler(exchange -> TestServer.respond(exchange, 404, "no", headers));
      MultiLevelCache<String, HttpValue> cache = builder().negativeTtl(Duration.ofMinutes(5)).build();
      int before = server.requestCount();
      assertThat(cache.get("k" + before)).isNull();
      assertThat(cache.get("k" + before)).isNull();
      assertThat(server.requestCount() - before).as(headers[1]).isEqualTo(2);
    }
    server.handler(exchange -> TestServer.respond(exchange, 404, "no"));
    MultiLevelCache<String, HttpValue> cache = builder().negativeTtl(Duration.ofMinutes(5)).build();
    int before = server.requestCount();
    cache.get("plain");
    cache.get("plain");
    assertThat(server.requestCount() - before).as("a bare 404 is kept for negativeTtl").isEqualTo(1);
  }
}
