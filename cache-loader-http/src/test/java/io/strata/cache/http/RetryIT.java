package io.strata.cache.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.cache.http.HttpLoadException.Reason;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Retries, backoff and Retry-After, with the waits recorded instead of slept. */
class RetryIT {

  private static final Instant NOW = Instant.parse("2025-01-01T00:00:00Z");

  private final TestServer server = new TestServer();
  private final List<Duration> sleeps = Collections.synchronizedList(new ArrayList<>());

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  private HttpLoaderOptions.Builder options() {
    return HttpLoaderOptions.builder().sleeper(sleeps::add).clock(Clock.fixed(NOW, ZoneOffset.UTC));
  }

  private HttpLoader<String> loader(HttpLoaderOptions.Builder options) {
    return HttpLoader.create(server.uri("/api/"), options.build());
  }

  /** Answers the given statuses in turn (the last one repeats), with header pairs for each. */
  private void script(int... statuses) {
    AtomicInteger call = new AtomicInteger();
    server.handler(
        exchange -> {
          int i = Math.min(call.getAndIncrement(), statuses.length - 1);
          TestServer.respond(exchange, statuses[i], "answer " + i, "Cache-Control", "max-age=60");
        });
  }

  @Test
  void twoServiceUnavailable_thenOk_makesThreeRequests_withGrowingJitteredBackoff() {
    script(503, 503, 200);

    HttpValue value = loader(options()).load("k");

    assertThat(value.bodyAsString()).isEqualTo("answer 2");
    assertThat(server.requestCount()).isEqualTo(3);
    assertThat(sleeps).hasSize(2);
    // initialBackoff 100 ms doubled per retry, each cut by up to half (jitter 0.5).
    assertThat(sleeps.get(0)).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
    assertThat(sleeps.get(1)).isBetween(Duration.ofMillis(100), Duration.ofMillis(200));
  }

  @Test
  void badRequest_makesOneRequest_andIsNotRetried() {
    script(400, 200);

    assertThatThrownBy(() -> loader(options()).load("k"))
        .isInstanceOfSatisfying(
            HttpLoadException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.STATUS);
              assertThat(e.statusCode()).isEqualTo(400);
            });
    assertThat(server.requestCount()).isEqualTo(1);
    assertThat(sleeps).isEmpty();
  }

  @Test
  void otherClientErrors_areNotRetriedEither() {
    for (int status : new int[] {401, 403, 405, 409, 418, 422}) {
      script(status, 200);
      int before = server.requestCount();
      assertThatThrownBy(() -> loader(options()).load("k")).isInstanceOf(HttpLoadException.class);
      assertThat(server.requestCount() - before).as("requests for %d", status).isEqualTo(1);
    }
    assertThat(sleeps).isEmpty();
  }

  @Test
  void tooManyRequests_withRetryAfterSeconds_waitsExactlyThatLong() {
    AtomicInteger call = new AtomicInteger();
    server.handler(
        exchange -> {
          if (call.getAndIncrement() == 0) {
            TestServer.respond(exchange, 429, "slow down", "Retry-After", "7");
          } else {
            TestServer.respond(exchange, 200, "ok");
          }
        });

    assertThat(loader(options()).load("k").bodyAsString()).isEqualTo("ok");
    assertThat(server.requestCount()).isEqualTo(2);
    assertThat(sleeps).containsExactly(Duration.ofSeconds(7));
  }

  @Test
  void retryAfterAsAnHttpDate_isMeasuredOnTheInjectedClock() {
    String date = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", java.util.Locale.ROOT).format(NOW.plusSeconds(5).atOffset(ZoneOffset.UTC));
    AtomicInteger call = new AtomicInteger();
    server.handler(
        exchange -> {
          if (call.getAndIncrement() == 0) {
            TestServer.respond(exchange, 503, "later", "Retry-After", date);
          } else {
            TestServer.respond(exchange, 200, "ok");
          }
        });

    loader(options()).load("k");
    assertThat(sleeps).containsExactly(Duration.ofSeconds(5));
  }

  @Test
  void retryAfterBeyondTheCap_endsTheRetriesAtOnce() {
    server.handler(exchange -> TestServer.respond(exchange, 429, "tomorrow", "Retry-After", "3600"));

    assertThatThrownBy(() -> loader(options().maxRetryAfter(Duration.ofSeconds(10))).load("k"))
        .isInstanceOfSatisfying(
            HttpLoadException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(429);
              assertThat(e.getMessage()).contains("maxRetryAfter");
            });
    assertThat(server.requestCount()).isEqualTo(1);
    assertThat(sleeps).isEmpty();
  }

  @Test
  void anUnreadableRetryAfter_fallsBackToTheBackoff() {
    AtomicInteger call = new AtomicInteger();
    server.handler(
        exchange -> {
          if (call.getAndIncrement() == 0) {
            TestServer.respond(exchange, 503, "later", "Retry-After", "soon-ish");
          } else {
            TestServer.respond(exchange, 200, "ok");
          }
        });
    loader(options()).load("k");
    assertThat(sleeps).hasSize(1);
    assertThat(sleeps.get(0)).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
  }

  @Test
  void persistentServerErrors_exhaustTheAttempts_withBackoffCappedAtMaxBackoff() {
    script(500);
    HttpLoaderOptions.Builder options =
        options().maxAttempts(4).backoffJitter(0).maxBackoff(Duration.ofMillis(300));

    assertThatThrownBy(() -> loader(options).load("k"))
        .isInstanceOfSatisfying(
            HttpLoadException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.STATUS);
              assertThat(e.statusCode()).isEqualTo(500);
              assertThat(e.getMessage()).contains("4 attempt");
            });
    assertThat(server.requestCount()).isEqualTo(4);
    assertThat(sleeps)
        .containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(300));
  }

  @Test
  void maxAttemptsOne_meansNoRetry() {
    script(503, 200);
    assertThatThrownBy(() -> loader(options().maxAttempts(1)).load("k")).isInstanceOf(HttpLoadException.class);
    assertThat(server.requestCount()).isEqualTo(1);
  }

  @Test
  void connectionRefused_isRetried_thenReportedAsAConnectionFailure() throws Exception {
    int port;
    try (TestServer gone = new TestServer()) {
      port = gone.port();
    }
    HttpLoader<String> loader =
        HttpLoader.create(URI.create("http://127.0.0.1:" + port + "/api/"), options().build());

    assertThatThrownBy(() -> loader.load("k"))
        .isInstanceOfSatisfying(
            HttpLoadException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CONNECTION));
    assertThat(sleeps).hasSize(2);
  }

  @Test
  void notFoundAndGone_areNull_withoutRetry() {
    script(404);
    assertThat(loader(options()).load("k")).isNull();
    script(410);
    assertThat(loader(options()).loadEntry("k").value()).isNull();
    assertThat(server.requestCount()).isEqualTo(2);
    assertThat(sleeps).isEmpty();
  }

  @Test
  void aSlowAnswer_timesOut_andIsNotRetried() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    server.handler(
        exchange -> {
          release.await(10, TimeUnit.SECONDS);
          TestServer.respond(exchange, 200, "late");
        });
    try {
      assertThatThrownBy(() -> loader(options().requestTimeout(Duration.ofMillis(200))).load("k"))
          .isInstanceOfSatisfying(
              HttpLoadException.class, e -> assertThat(e.reason()).isEqualTo(Reason.TIMEOUT));
      assertThat(server.requestCount()).isEqualTo(1);
      assertThat(sleeps).isEmpty();
    } finally {
      release.countDown();
    }
  }

  @Test
  void concurrentLoads_neverExceedMaxConcurrentRequests() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger active = new AtomicInteger();
    AtomicInteger maxActive = new AtomicInteger();
    server.handler(
        exchange -> {
          maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
          try {
            release.await(10, TimeUnit.SECONDS);
          } finally {
            active.decrementAndGet();
          }
          TestServer.respond(exchange, 200, "ok");
        });
    HttpLoader<String> loader = loader(options().maxConcurrentRequests(2));
    List<Thread> threads = new ArrayList<>();
    AtomicInteger loaded = new AtomicInteger();
    for (int i = 0; i < 6; i++) {
      String key = "k" + i;
      Thread thread = new Thread(() -> {
        if (loader.load(key) != null) {
          loaded.incrementAndGet();
        }
      });
      threads.add(thread);
      thread.start();
    }
    // Every load is parked: two in the server, the rest waiting for a slot.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline
        && !(server.requestCount() >= 2
            && threads.stream().allMatch(t -> t.getState() == Thread.State.WAITING
                || t.getState() == Thread.State.TIMED_WAITING))) {
      Thread.onSpinWait();
    }
    assertThat(server.requestCount()).isEqualTo(2);
    release.countDown();
    for (Thread thread : threads) {
      thread.join(10_000);
    }
    assertThat(loaded).hasValue(6);
    assertThat(maxActive).hasValue(2);
  }
}
