package io.strata.cache.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.cache.CacheEntry;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.testkit.FakeTicker;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** ETag and Last-Modified revalidation through the cache: a 304 keeps the body and extends its life. */
class RevalidationIT {

  private static final byte[] BIG_BODY = new byte[100_000];

  static {
    Arrays.fill(BIG_BODY, (byte) 'x');
  }

  private final TestServer server = new TestServer();
  private final FakeTicker ticker = new FakeTicker();
  private final AtomicLong bodyBytesSent = new AtomicLong();

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  /**
   * A stale-if-error window, though no stale value is served in these tests (the upstream always
   * answers): revalidation must not depend on it, see the no-window tests below.
   */
  private MultiLevelCache<String, HttpValue> cache() {
    return MultiLevelCache.<String, HttpValue>builder("revalidation")
        .loader(HttpLoader.create(server.uri("/tiles/")))
        .staleIfError(Duration.ofHours(1))
        .ticker(ticker)
        .build();
  }

  @Test
  void refresh_sendsIfNoneMatch_and304KeepsTheBodyWithoutDownloadingIt_andExtendsItsLife() {
    server.handler(
        exchange -> {
          if ("\"v1\"".equals(exchange.getRequestHeaders().getFirst("If-None-Match"))) {
            TestServer.respond(exchange, 304, "", "Cache-Control", "max-age=120", "ETag", "\"v1\"");
          } else {
            bodyBytesSent.addAndGet(BIG_BODY.length);
            TestServer.respond(exchange, 200, BIG_BODY, "Cache-Control", "max-age=60", "ETag", "\"v1\"");
          }
        });
    MultiLevelCache<String, HttpValue> cache = cache();
    HttpValue first = cache.get("1");

    ticker.advance(Duration.ofSeconds(61));
    HttpValue second = cache.get("1");

    assertThat(server.requestCount()).isEqualTo(2);
    assertThat(server.requests().get(0).header("If-None-Match")).isNull();
    assertThat(server.requests().get(1).header("If-None-Match")).isEqualTo("\"v1\"");
    assertThat(bodyBytesSent).hasValue(BIG_BODY.length);
    assertThat(second.body()).isEqualTo(BIG_BODY);
    assertThat(second.headers().get("cache-control")).as("updated by the 304").containsExactly("max-age=120");

    ticker.advance(Duration.ofSeconds(119)); // the 304's max-age=120 now rules
    assertThat(cache.get("1")).isEqualTo(second);
    assertThat(server.requestCount()).isEqualTo(2);

    ticker.advance(Duration.ofSeconds(2));
    cache.get("1");
    assertThat(server.requestCount()).isEqualTo(3);
    assertThat(bodyBytesSent).hasValue(BIG_BODY.length);
  }

  @Test
  void refresh_sendsIfModifiedSince_whenOnlyLastModifiedIsKnown() {
    String lastModified = "Sun, 06 Nov 1994 08:49:37 GMT";
    server.handler(
        exchange -> {
          if (lastModified.equals(exchange.getRequestHeaders().getFirst("If-Modified-Since"))) {
            TestServer.respond(exchange, 304, "", "Cache-Control", "max-age=60");
          } else {
            TestServer.respond(exchange, 200, "body", "Cache-Control", "max-age=60", "Last-Modified", lastModified);
          }
        });
    MultiLevelCache<String, HttpValue> cache = cache();
    cache.get("1");
    ticker.advance(Duration.ofSeconds(61));

    assertThat(cache.get("1").bodyAsString()).isEqualTo("body");
    assertThat(server.requests().get(1).header("If-Modified-Since")).isEqualTo(lastModified);
    assertThat(server.requests().get(1).header("If-None-Match")).isNull();
  }

  @Test
  void a304WithoutFreshnessHeaders_reusesTheStoredCacheControl() {
    server.handler(
        exchange -> {
          if (exchange.getRequestHeaders().getFirst("If-None-Match") != null) {
            TestServer.respond(exchange, 304, "", "ETag", "\"v1\"");
          } else {
            TestServer.respond(exchange, 200, "body", "Cache-Control", "max-age=60", "ETag", "\"v1\"");
          }
        });
    MultiLevelCache<String, HttpValue> cache = cache();
    cache.get("1");
    ticker.advance(Duration.ofSeconds(61));
    cache.get("1"); // 304: fresh for another 60 s from now
    ticker.advance(Duration.ofSeconds(59));
    cache.get("1");
    assertThat(server.requestCount()).isEqualTo(2);
    ticker.advance(Duration.ofSeconds(2));
    cache.get("1");
    assertThat(server.requestCount()).isEqualTo(3);
  }

  @Test
  void a304WithAnotherEtag_selectsNothing_theBodyIsFetchedAgain_andItsEtagUsedNext() {
    AtomicReference<String> current = new AtomicReference<>("\"v1\"");
    server.handler(
        exchange -> {
          if (exchange.getRequestHeaders().getFirst("If-None-Match") != null) {
            TestServer.respond(exchange, 304, "", "Cache-Control", "max-age=60", "ETag", current.get());
          } else {
            TestServer.respond(exchange, 200, "body", "Cache-Control", "max-age=60", "ETag", current.get());
          }
        });
    MultiLevelCache<String, HttpValue> cache = cache();
    cache.get("1");
    current.set("\"v2\"");
    ticker.advance(Duration.ofSeconds(61));
    cache.get("1");
    ticker.advance(Duration.ofSeconds(61));
    cache.get("1");
    assertThat(server.requests().get(1).header("If-None-Match")).isEqualTo("\"v1\"");
    assertThat(server.requests().get(2).header("If-None-Match")).as("refetched").isNull();
    assertThat(server.requests().get(3).header("If-None-Match")).isEqualTo("\"v2\"");
  }

  @Test
  void revalidationAnswered200_replacesTheValue() {
    AtomicReference<String> body = new AtomicReference<>("old");
    server.handler(
        exchange ->
            TestServer.respond(exchange, 200, body.get(), "Cache-Control", "max-age=60", "ETag", '"' + body.get() + '"'));
    MultiLevelCache<String, HttpValue> cache = cache();
    assertThat(cache.get("1").bodyAsString()).isEqualTo("old");
    body.set("new");
    ticker.advance(Duration.ofSeconds(61));
    assertThat(cache.get("1").bodyAsString()).isEqualTo("new");
    assertThat(server.requests().get(1).header("If-None-Match")).isEqualTo("\"old\"");
  }

  @Test
  void revalidationAnswered404_dropsTheCachedValue() {
    AtomicReference<Integer> status = new AtomicReference<>(200);
    server.handler(
        exchange -> TestServer.respond(exchange, status.get(), "body", "Cache-Control", "max-age=60", "ETag", "\"v1\""));
    MultiLevelCache<String, HttpValue> cache = cache();
    cache.get("1");
    status.set(404);
    ticker.advance(Duration.ofSeconds(61));
    assertThat(cache.get("1")).isNull();
    assertThat(cache.getIfPresent("1")).isNull();
  }

  @Test
  void withoutAStaleWindow_theExpiredEntryIsStillKeptToRevalidate_butNeverServed() {
    server.handler(
        exchange -> {
          if ("\"v1\"".equals(exchange.getRequestHeaders().getFirst("If-None-Match"))) {
            TestServer.respond(exchange, 503, "down");
          } else {
            TestServer.respond(exchange, 200, "body", "Cache-Control", "max-age=60", "ETag", "\"v1\"");
          }
        });
    MultiLevelCache<String, HttpValue> cache =
        MultiLevelCache.<String, HttpValue>builder("no-window")
            .loader(HttpLoader.create(server.uri("/tiles/")))
            .ticker(ticker)
            .build();
    cache.get("1");
    ticker.advance(Duration.ofSeconds(61));

    // Kept only to revalidate: the upstream's failure is the caller's, no stale body is served.
    assertThatThrownBy(() -> cache.get("1")).isInstanceOf(HttpLoadException.class);
    assertThat(server.requests().get(1).header("If-None-Match")).isEqualTo("\"v1\"");
  }

  @Test
  void aZeroRevalidationWindow_makesTheRefreshAFullLoad() {
    server.handler(
        exchange -> TestServer.respond(exchange, 200, "body", "Cache-Control", "max-age=60", "ETag", "\"v1\""));
    MultiLevelCache<String, HttpValue> cache =
        MultiLevelCache.<String, HttpValue>builder("no-window")
            .loader(
                HttpLoader.create(
                    server.uri("/tiles/"),
                    HttpLoaderOptions.builder().revalidationWindow(Duration.ZERO).build()))
            .ticker(ticker)
            .build();
    cache.get("1");
    ticker.advance(Duration.ofSeconds(61));
    cache.get("1");
    assertThat(server.requests().get(1).header("If-None-Match")).isNull();
  }

  @Test
  void loaderReload_withoutValidators_isAPlainLoad() {
    server.handler(exchange -> TestServer.respond(exchange, 200, "body", "Cache-Control", "max-age=60"));
    HttpLoader<String> loader = HttpLoader.create(server.uri("/tiles/"));
    HttpValue value = HttpValue.of(200, new byte[0], null, java.util.Map.of());
    CacheEntry<HttpValue> previous = CacheEntry.builder(value, 0, 1).build();

    assertThat(loader.reload("1", previous).value().bodyAsString()).isEqualTo("body");
    assertThat(server.requests().get(0).header("If-None-Match")).isNull();
    assertThat(server.requests().get(0).header("If-Modified-Since")).isNull();
  }

  @Test
  void a304ToARequestWithoutValidators_isAnInvalidResponse() {
    server.handler(exchange -> TestServer.respond(exchange, 304, ""));
    HttpLoader<String> loader = HttpLoader.create(server.uri("/tiles/"));
    assertThatThrownBy(() -> loader.loadEntry("1"))
        .isInstanceOfSatisfying(
            HttpLoadException.class,
            e -> assertThat(e.reason()).isEqualTo(HttpLoadException.Reason.INVALID_RESPONSE));
  }
}
