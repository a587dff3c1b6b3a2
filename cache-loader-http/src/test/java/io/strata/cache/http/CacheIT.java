package io.strata.cache.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.cache.Lookup;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.MultiLevelCacheBuilder;
import io.strata.cache.testkit.FakeTicker;
import io.strata.cache.testkit.InMemoryTier;
import io.strata.cache.testkit.ManualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The loader inside a MultiLevelCache: coalescing, stale policies and where values may be kept. */
class CacheIT {

  private final TestServer server = new TestServer();
  private final FakeTicker ticker = new FakeTicker();
  private final InMemoryTier.Store shared = new InMemoryTier.Store();

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  private MultiLevelCacheBuilder<String, HttpValue> builder() {
    return MultiLevelCache.<String, HttpValue>builder("upstream")
        .loader(HttpLoader.create(server.uri("/api/"), HttpLoaderOptions.builder().sleeper(d -> {}).build()))
        .tier(InMemoryTier.factory("shared", shared, HttpValue.codec()))
        .ticker(ticker);
  }

  @Test
  void aThousandConcurrentColdGets_makeExactlyOneUpstreamRequest() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    server.handler(
        exchange -> {
          release.await(30, TimeUnit.SECONDS);
          TestServer.respond(exchange, 200, "tile", "Cache-Control", "max-age=60");
        });
    ExecutorService loads = Executors.newFixedThreadPool(8);
    MultiLevelCache<String, HttpValue> cache = builder().executor(loads).build();
    ExecutorService callers = Executors.newFixedThreadPool(8);
    try {
      List<CompletableFuture<HttpValue>> gets = new ArrayList<>();
      List<CompletableFuture<Void>> submitted = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        CompletableFuture<Void> batch = new CompletableFuture<>();
        submitted.add(batch);
        List<CompletableFuture<HttpValue>> mine = new ArrayList<>();
        callers.execute(
            () -> {
              for (int i = 0; i < 125; i++) {
                mine.add(cache.getAsync("7/64/42"));
              }
              synchronized (gets) {
                gets.addAll(mine);
              }
              batch.complete(null);
            });
      }
      CompletableFuture.allOf(submitted.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      assertThat(gets).hasSize(1000);
      release.countDown(); // every get is registered while the one load is still in flight

      for (CompletableFuture<HttpValue> get : gets) {
        assertThat(get.get(30, TimeUnit.SECONDS).bodyAsString()).isEqualTo("tile");
      }
      assertThat(server.requestCount()).isEqualTo(1);
    } finally {
      release.countDown();
      callers.shutdownNow();
      loads.shutdownNow();
    }
  }

  @Test
  void upstreamDown_servesTheStaleValue_withinStaleIfError() throws Exception {
    server.handler(exchange -> TestServer.respond(exchange, 200, "v1", "Cache-Control", "max-age=60"));
    MultiLevelCache<String, HttpValue> cache = builder().staleIfError(Duration.ofHours(1)).build();
    assertThat(cache.get("k").bodyAsString()).isEqualTo("v1");

    server.handler(exchange -> TestServer.respond(exchange, 503, "down"));
    ticker.advance(Duration.ofMinutes(2));

    Lookup<HttpValue> lookup = cache.lookup("k");
    assertThat(lookup.value().bodyAsString()).isEqualTo("v1");
    assertThat(lookup.stale()).isTrue();
    assertThat(server.requestCount()).isEqualTo(1 + 3); // the first load, then three failed attempts
  }

  @Test
  void upstreamUnreachable_servesTheStaleValue_andWithoutAWindowTheFailureSurfaces() throws Exception {
    server.handler(exchange -> TestServer.respond(exchange, 200, "v1", "Cache-Control", "max-age=60"));
    MultiLevelCache<String, HttpValue> tolerant = builder().staleIfError(Duration.ofHours(1)).build();
    tolerant.get("k");
    server.close(); // connection refused from now on
    ticker.advance(Duration.ofMinutes(2));

    assertThat(tolerant.get("k").bodyAsString()).isEqualTo("v1");

    MultiLevelCache<String, HttpValue> strict =
        MultiLevelCache.<String, HttpValue>builder("strict")
            .loader(HttpLoader.create(server.uri("/api/"), HttpLoaderOptions.builder().sleeper(d -> {}).build()))
            .build();
    assertThatThrownBy(() -> strict.get("k"))
        .isInstanceOfSatisfying(
            HttpLoadException.class,
            e -> assertThat(e.reason()).isEqualTo(HttpLoadException.Reason.CONNECTION));
  }

  @Test
  void theUpstreamsOwnStaleIfError_bindsTheWindow() {
    server.handler(
        exchange -> TestServer.respond(exchange, 200, "v1", "Cache-Control", "max-age=60, stale-if-error=30"));
    MultiLevelCache<String, HttpValue> cache = builder().staleIfError(Duration.ofHours(1)).build();
    cache.get("k");
    server.handler(exchange -> TestServer.respond(exchange, 500, "down"));

    ticker.advance(Duration.ofSeconds(80)); // 20 s past expiry: within the upstream's 30 s
    assertThat(cache.get("k").bodyAsString()).isEqualTo("v1");
    ticker.advance(Duration.ofSeconds(20)); // 40 s past expiry
    assertThatThrownBy(() -> cache.get("k")).isInstanceOf(HttpLoadException.class);
  }

  @Test
  void mustRevalidate_disablesTheCachesStaleIfError() {
    server.handler(
        exchange -> TestServer.respond(exchange, 200, "v1", "Cache-Control", "max-age=60, must-revalidate"));
    MultiLevelCache<String, HttpValue> cache = builder().staleIfError(Duration.ofHours(1)).build();
    cache.get("k");
    server.handler(exchange -> TestServer.respond(exchange, 500, "down"));
    ticker.advance(Duration.ofSeconds(61));
    assertThatThrownBy(() -> cache.get("k")).isInstanceOf(HttpLoadException.class);
  }

  @Test
  void upstreamSlow_answersWithTheStaleValueAtTheSoftTimeout() throws Exception {
    server.handler(exchange -> TestServer.respond(exchange, 200, "v1", "Cache-Control", "max-age=60"));
    ManualScheduler scheduler = new ManualScheduler(ticker);
    ExecutorService loads = Executors.newFixedThreadPool(2);
    MultiLevelCache<String, HttpValue> cache =
        builder()
            .softLoadTimeout(Duration.ofSeconds(1))
            .staleIfError(Duration.ofHours(1))
            .scheduler(scheduler)
            .executor(loads)
            .build();
    CountDownLatch release = new CountDownLatch(1);
    try {
      cache.get("k");
      ticker.advance(Duration.ofMinutes(2));
      AtomicInteger slowCalls = new AtomicInteger();
      server.handler(
          exchange -> {
            slowCalls.incrementAndGet();
            release.await(30, TimeUnit.SECONDS);
            TestServer.respond(exchange, 200, "v2", "Cache-Control", "max-age=60");
          });

      CompletableFuture<HttpValue> answer = cache.getAsync("k");
      scheduler.awaitScheduled(1);
      assertThat(answer).isNotDone();
      scheduler.advance(Duration.ofSeconds(1));

      assertThat(answer.get(10, TimeUnit.SECONDS).bodyAsString()).isEqualTo("v1");
      // The load goes on in the background: a refresh started now joins it (no second request).
      CompletableFuture<HttpValue> background = cache.advanced().refresh("k");
      release.countDown();
      assertThat(background.get(10, TimeUnit.SECONDS).bodyAsString()).isEqualTo("v2");
      assertThat(slowCalls).hasValue(1);
    } finally {
      release.countDown();
      loads.shutdownNow();
    }
  }

  @Test
  void privateResponses_stayOutOfTheSharedTier_butAreServedLocally() {
    server.handler(exchange -> TestServer.respond(exchange, 200, "mine", "Cache-Control", "private, max-age=60"));
    MultiLevelCache<String, HttpValue> cache = builder().build();
    cache.get("k");
    assertThat(cache.lookup("k").tier()).isEqualTo("local");
    assertThat(shared.size()).isZero();
    assertThat(shared.writes()).isZero();
    assertThat(server.requestCount()).isEqualTo(1);
  }

  @Test
  void publicResponses_reachTheSharedTier() {
    server.handler(exchange -> TestServer.respond(exchange, 200, "ours", "Cache-Control", "max-age=60"));
    builder().build().get("k");
    assertThat(shared.size()).isEqualTo(1);
  }

  @Test
  void noStoreResponses_areStoredNowhere() {
    server.handler(exchange -> TestServer.respond(exchange, 200, "fleeting", "Cache-Control", "no-store"));
    MultiLevelCache<String, HttpValue> cache = builder().build();
    assertThat(cache.get("k").bodyAsString()).isEqualTo("fleeting");
    assertThat(cache.get("k").bodyAsString()).isEqualTo("fleeting");
    assertThat(server.requestCount()).isEqualTo(2);
    assertThat(shared.size()).isZero();
    assertThat(cache.advanced().estimatedLocalSize()).isZero();
  }

  @Test
  void theResponsesLifetime_overridesTheCachesTtl() {
    server.handler(exchange -> TestServer.respond(exchange, 200, "short", "Cache-Control", "max-age=5"));
    MultiLevelCache<String, HttpValue> cache = builder().ttl(Duration.ofHours(1)).build();
    cache.get("k");
    ticker.advance(Duration.ofSeconds(6));
    cache.get("k");
    assertThat(server.requestCount()).isEqualTo(2);
  }

  @Test
  void notFound_isCachedAsANegativeEntry_forTheCachesNegativeTtl() {
    server.handler(exchange -> TestServer.respond(exchange, 404, "nope"));
    MultiLevelCache<String, HttpValue> cache = builder().negativeTtl(Duration.ofSeconds(30)).build();
    assertThat(cache.get("missing")).isNull();
    assertThat(cache.get("missing")).isNull();
    assertThat(server.requestCount()).isEqualTo(1);
    ticker.advance(Duration.ofSeconds(31));
    assertThat(cache.get("missing")).isNull();
    assertThat(server.requestCount()).isEqualTo(2);
  }

  @Test
  void notFound_withALifetimeOfItsOwn_isKeptThatLong_notForTheNegativeTtl() {
    server.handler(exchange -> TestServer.respond(exchange, 404, "nope", "Cache-Control", "max-age=60"));
    MultiLevelCache<String, HttpValue> cache = builder().negativeTtl(Duration.ofSeconds(30)).build();
    assertThat(cache.get("missing")).isNull();
    ticker.advance(Duration.ofSeconds(45));
    assertThat(cache.get("missing")).isNull();
    assertThat(server.requestCount()).as("still within its own 60 s").isEqualTo(1);
    ticker.advance(Duration.ofSeconds(16));
    assertThat(cache.get("missing")).isNull();
    assertThat(server.requestCount()).isEqualTo(2);
  }

  @Test
  void notFound_onAReload_followsItsOwnHeaders_andDropsTheExpiredValue() {
    java.util.concurrent.atomic.AtomicBoolean gone = new java.util.concurrent.atomic.AtomicBoolean();
    server.handler(
        exchange -> {
          if (gone.get()) {
            TestServer.respond(exchange, 404, "gone", "Cache-Control", "no-store");
          } else {
            TestServer.respond(exchange, 200, "here", "Cache-Control", "max-age=10, stale-if-error=600");
          }
        });
    MultiLevelCache<String, HttpValue> cache = builder().negativeTtl(Duration.ofSeconds(30)).build();
    assertThat(cache.get("k").bodyAsString()).isEqualTo("here");
    ticker.advance(Duration.ofSeconds(11));
    gone.set(true);

    assertThat(cache.get("k")).isNull();
    assertThat(cache.get("k")).isNull();

    assertThat(server.requestCount()).as("no-store: remembered nowhere, asked again").isEqualTo(3);
    assertThat(shared.size()).isZero();
  }

  @Test
  void noCache_withAValidator_isStored_andEveryUseRevalidates_savingTheBody() {
    java.util.List<String> conditions = new java.util.concurrent.CopyOnWriteArrayList<>();
    server.handler(
        exchange -> {
          String condition = exchange.getRequestHeaders().getFirst("If-None-Match");
          conditions.add(String.valueOf(condition));
          if ("\"v1\"".equals(condition)) {
            TestServer.respond(exchange, 304, "", "ETag", "\"v1\"", "Cache-Control", "no-cache");
          } else {
            TestServer.respond(exchange, 200, "body", "ETag", "\"v1\"", "Cache-Control", "no-cache");
          }
        });
    MultiLevelCache<String, HttpValue> cache = builder().build();

    assertThat(cache.get("k").bodyAsString()).isEqualTo("body");
    assertThat(cache.get("k").bodyAsString()).isEqualTo("body");
    ticker.advance(Duration.ofSeconds(1));
    assertThat(cache.get("k").bodyAsString()).isEqualTo("body");

    assertThat(conditions).as("a full fetch, then a revalidation on every use")
        .containsExactly("null", "\"v1\"", "\"v1\"");
    assertThat(shared.size()).as("stored, for its validator").isOne();
  }
}
