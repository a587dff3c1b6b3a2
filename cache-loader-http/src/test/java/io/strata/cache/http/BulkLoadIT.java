package io.strata.cache.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpExchange;
import io.strata.cache.Loaded;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.http.HttpLoadException.Reason;
import io.strata.cache.testkit.FakeTicker;
import io.strata.cache.testkit.InMemoryTier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code HttpLoader.loadAllEntries}: each key answered as {@code loadEntry} would answer it, the
 * requests concurrent but within maxConcurrentRequests, and a failed key failing the call fast.
 */
class BulkLoadIT {

  private static final Instant NOW = Instant.parse("2025-01-01T00:00:00Z");
  private static final long WAIT_SECONDS = 10;

  private final TestServer server = new TestServer();
  private final List<Duration> sleeps = Collections.synchronizedList(new ArrayList<>());
  private final ExecutorService callers = Executors.newFixedThreadPool(2);

  @AfterEach
  void stop() throws Exception {
    callers.shutdownNow();
    server.close();
  }

  private HttpLoaderOptions.Builder options() {
    return HttpLoaderOptions.builder().sleeper(sleeps::add).clock(Clock.fixed(NOW, ZoneOffset.UTC));
  }

  private HttpLoader<String> loader(HttpLoaderOptions.Builder options) {
    return HttpLoader.create(server.uri("/api/"), options.build());
  }

  /** The last path segment of the request: the key. */
  private static String key(HttpExchange exchange) {
    String path = exchange.getRequestURI().getRawPath();
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /** Answers by key: each a different freshness, validators, or status. */
  private void mixedAnswers() {
    server.handler(
        exchange -> {
          switch (key(exchange)) {
            case "mine" -> TestServer.respond(exchange, 200, "mine", "Cache-Control", "private, max-age=30");
            case "fleeting" -> TestServer.respond(exchange, 200, "fleeting", "Cache-Control", "no-store");
            case "shared" ->
                TestServer.respond(
                    exchange, 200, "shared",
                    "Cache-Control", "max-age=60, stale-while-revalidate=10, stale-if-error=20",
                    "ETag", "\"v7\"",
                    "Last-Modified", "Tue, 31 Dec 2024 00:00:00 GMT",
                    "Content-Type", "application/json");
            case "short" -> TestServer.respond(exchange, 200, "short", "Cache-Control", "max-age=5");
            case "missing" -> TestServer.respond(exchange, 404, "no such thing");
            case "gone" -> TestServer.respond(exchange, 410, "gone for good");
            default -> TestServer.respond(exchange, 500, "unexpected key");
          }
        });
  }

  private static Set<String> keys(String... keys) {
    return new LinkedHashSet<>(Arrays.asList(keys));
  }

  private long requestsFor(String key) {
    return server.requests().stream().filter(r -> r.rawPath().equals("/api/" + key)).count();
  }

  // ---------------------------------------------------------------- each key its own answer

  @Test
  void loadAllEntries_privateResponse_staysLocal() {
    mixedAnswers();
    Map<String, Loaded<HttpValue>> loaded = loader(options()).loadAllEntries(keys("mine", "shared"));

    assertThat(loaded.get("mine").storage()).isEqualTo(Loaded.Storage.LOCAL_ONLY);
    assertThat(loaded.get("mine").ttl()).isEqualTo(Duration.ofSeconds(30));
    assertThat(loaded.get("mine").value().bodyAsString()).isEqualTo("mine");
    assertThat(loaded.get("shared").storage()).isEqualTo(Loaded.Storage.EVERYWHERE);
  }

  @Test
  void loadAllEntries_noStoreResponse_isStoredNowhere_butAnswered() {
    mixedAnswers();
    Map<String, Loaded<HttpValue>> loaded =
        loader(options()).loadAllEntries(keys("fleeting", "shared"));

    assertThat(loaded.get("fleeting").storage()).isEqualTo(Loaded.Storage.NOWHERE);
    assertThat(loaded.get("fleeting").value().bodyAsString()).isEqualTo("fleeting");
    assertThat(loaded.get("shared").storage()).isEqualTo(Loaded.Storage.EVERYWHERE);
  }

  @Test
  void loadAllEntries_maxAge_givesEachKeyItsOwnTtlStaleWindowsAndValidators() {
    mixedAnswers();
    Map<String, Loaded<HttpValue>> loaded = loader(options()).loadAllEntries(keys("shared", "short"));

    Loaded<HttpValue> shared = loaded.get("shared");
    assertThat(shared.ttl()).isEqualTo(Duration.ofSeconds(60));
    assertThat(shared.staleWhileRevalidate()).isEqualTo(Duration.ofSeconds(10));
    assertThat(shared.staleIfError()).isEqualTo(Duration.ofSeconds(20));
    assertThat(shared.etag()).isEqualTo("\"v7\"");
    assertThat(shared.lastModified()).isEqualTo("Tue, 31 Dec 2024 00:00:00 GMT");
    assertThat(shared.contentType()).isEqualTo("application/json");
    assertThat(shared.revalidateWithin()).isEqualTo(HttpLoaderOptions.DEFAULT_REVALIDATION_WINDOW);

    Loaded<HttpValue> brief = loaded.get("short");
    assertThat(brief.ttl()).isEqualTo(Duration.ofSeconds(5));
    assertThat(brief.etag()).isNull();
    assertThat(brief.revalidateWithin()).isNull();
  }

  @Test
  void loadAllEntries_notFoundAndGone_areNotFound() {
    mixedAnswers();
    Map<String, Loaded<HttpValue>> loaded =
        loader(options()).loadAllEntries(keys("missing", "gone", "short"));

    // Present as notFound (a key left out would mean the same to the cache).
    for (String key : List.of("missing", "gone")) {
      Loaded<HttpValue> answer = loaded.getOrDefault(key, Loaded.notFound());
      assertThat(answer.value()).as(key).isNull();
      assertThat(answer.isNotModified()).as(key).isFalse();
    }
    assertThat(loaded.get("short").value().bodyAsString()).isEqualTo("short");
    assertThat(sleeps).as("404 and 410 are not retried").isEmpty();
  }

  @Test
  void loadAllEntries_answersEveryKey_exactlyAsLoadEntryWould() {
    mixedAnswers();
    HttpLoader<String> loader = loader(options());
    Set<String> keys = keys("mine", "fleeting", "shared", "short", "missing", "gone");

    Map<String, Loaded<HttpValue>> bulk = loader.loadAllEntries(keys);

    assertThat(bulk).containsOnlyKeys(keys);
    for (String key : keys) {
      assertThat(describe(bulk.get(key))).as(key).isEqualTo(describe(loader.loadEntry(key)));
    }
    for (String key : keys) {
      assertThat(requestsFor(key)).as(key).isEqualTo(2); // one bulk, one single
    }
  }

  /** Every observable part of a Loaded, to compare two of them. */
  private static List<Object> describe(Loaded<HttpValue> loaded) {
    return Arrays.asList(
        loaded.value(), loaded.isNotModified(), loaded.ttl(), loaded.ttlHint(), loaded.storage(),
        loaded.staleWhileRevalidate(), loaded.staleIfError(), loaded.revalidateWithin(),
        loaded.contentType(), loaded.etag(), loaded.lastModified());
  }

  @Test
  void loadAllEntries_retriesEachKey_asLoadEntryDoes() {
    AtomicInteger flakyCalls = new AtomicInteger();
    server.handler(
        exchange -> {
          if (key(exchange).equals("flaky") && flakyCalls.getAndIncrement() == 0) {
            TestServer.respond(exchange, 503, "busy");
          } else {
            TestServer.respond(exchange, 200, key(exchange), "Cache-Control", "max-age=60");
          }
        });

    Map<String, Loaded<HttpValue>> loaded =
        loader(options()).loadAllEntries(keys("steady", "flaky", "calm"));

    assertThat(loaded.get("flaky").value().bodyAsString()).isEqualTo("flaky");
    assertThat(requestsFor("flaky")).isEqualTo(2);
    assertThat(requestsFor("steady")).isEqualTo(1);
    assertThat(requestsFor("calm")).isEqualTo(1);
    assertThat(sleeps).hasSize(1);
  }

  @Test
  void loadAllEntries_noKeys_makesNoRequest() {
    assertThat(loader(options()).loadAllEntries(Set.of())).isEmpty();
    assertThat(server.requestCount()).isZero();
  }

  @Test
  void loadAllEntries_oneHostileKey_failsTheCallBeforeAnyRequest() {
    mixedAnswers();
    HttpLoader<String> loader = loader(options());

    assertThatThrownBy(() -> loader.loadAllEntries(keys("shared", "short", "..", "mine")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> loader.loadAllEntries(keys("shared", "line\r\nbreak")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> loader.loadAllEntries(keys("shared", "x".repeat(10_000))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(server.requestCount()).isZero();
  }

  // ---------------------------------------------------------------- bounded concurrency

  @Test
  void loadAllEntries_manyKeys_runConcurrently_butNeverAboveMaxConcurrentRequests()
      throws Exception {
    int max = 3;
    CountDownLatch firstWave = new CountDownLatch(max);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger active = new AtomicInteger();
    AtomicInteger maxActive = new AtomicInteger();
    server.handler(
        exchange -> {
          maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
          firstWave.countDown();
          try {
            release.await(WAIT_SECONDS, TimeUnit.SECONDS);
          } finally {
            active.decrementAndGet();
          }
          TestServer.respond(exchange, 200, key(exchange), "Cache-Control", "max-age=60");
        });
    HttpLoader<String> loader = loader(options().maxConcurrentRequests(max));
    // Two bulk loads at once: two callers plus the loader's max - 1 helpers make four threads
    // for three request slots, so the shared bound, not just the helper count, is exercised.
    Set<String> left = IntStream.range(0, 8).mapToObj(i -> "a" + i).collect(toOrderedSet());
    Set<String> right = IntStream.range(0, 8).mapToObj(i -> "b" + i).collect(toOrderedSet());
    List<Thread> senders = Collections.synchronizedList(new ArrayList<>());
    Future<Map<String, Loaded<HttpValue>>> first =
        callers.submit(() -> { senders.add(Thread.currentThread()); return loader.loadAllEntries(left); });
    Future<Map<String, Loaded<HttpValue>>> second =
        callers.submit(() -> { senders.add(Thread.currentThread()); return loader.loadAllEntries(right); });
    try {
      assertThat(firstWave.await(WAIT_SECONDS, TimeUnit.SECONDS))
          .as("%d requests held by the server at once", max)
          .isTrue();
      // Every thread that could send is parked: in a held request, or waiting for a slot.
      awaitCondition(
          () -> senders.size() == 2
              && parked(senders)
              && parked(threadsNamed("strata-http-bulk-")));
      assertThat(server.requestCount()).isEqualTo(max);
      assertThat(active).hasValue(max);
    } finally {
      release.countDown();
    }

    Map<String, Loaded<HttpValue>> a = first.get(WAIT_SECONDS, TimeUnit.SECONDS);
    Map<String, Loaded<HttpValue>> b = second.get(WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(a).containsOnlyKeys(left);
    assertThat(b).containsOnlyKeys(right);
    a.forEach((key, loaded) -> assertThat(loaded.value().bodyAsString()).isEqualTo(key));
    assertThat(server.requestCount()).isEqualTo(16);
    assertThat(maxActive.get()).isGreaterThan(1).isLessThanOrEqualTo(max);
  }

  @Test
  void loadAllEntries_maxConcurrentRequestsOne_loadsOneKeyAtATime() {
    AtomicInteger active = new AtomicInteger();
    AtomicInteger maxActive = new AtomicInteger();
    server.handler(
        exchange -> {
          maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
          try {
            TestServer.respond(exchange, 200, "ok");
          } finally {
            active.decrementAndGet();
          }
        });
    HttpLoader<String> loader = loader(options().maxConcurrentRequests(1));

    assertThat(loader.loadAllEntries(keys("a", "b", "c", "d"))).hasSize(4);
    assertThat(maxActive).hasValue(1);
    assertThat(server.requestCount()).isEqualTo(4);
  }

  // ---------------------------------------------------------------- failures

  @Test
  void loadAllEntries_aKeyFailingAfterItsRetries_throwsItsFailure_andStartsNoFurtherRequest()
      throws Exception {
    int max = 3;
    CountDownLatch othersInFlight = new CountDownLatch(max - 1);
    CountDownLatch release = new CountDownLatch(1);
    server.handler(
        exchange -> {
          if (key(exchange).equals("bad")) {
            // Both other threads are inside a request before the failing key answers.
            othersInFlight.await(WAIT_SECONDS, TimeUnit.SECONDS);
            TestServer.respond(exchange, 500, "broken");
          } else {
            othersInFlight.countDown();
            release.await(WAIT_SECONDS, TimeUnit.SECONDS);
            TestServer.respond(exchange, 500, "broken too");
          }
        });
    AtomicReference<Thread> failingThread = new AtomicReference<>();
    // Only the failing key retries (the others are stopped first), so the sleeper names its thread.
    HttpLoader<String> loader =
        loader(options().maxConcurrentRequests(max).maxAttempts(3).sleeper(d -> {
          failingThread.compareAndSet(null, Thread.currentThread());
        }));
    Set<String> keys = new LinkedHashSet<>();
    keys.add("bad");
    IntStream.range(0, 20).forEach(i -> keys.add("k" + i));

    Future<Throwable> call = callers.submit(() -> catchThrowable(() -> loader.loadAllEntries(keys)));
    try {
      // The failure is recorded once its thread has left the retry loop and parked.
      awaitCondition(
          () -> requestsFor("bad") == 3
              && failingThread.get() != null
              && parked(List.of(failingThread.get()))
              && !inFrame(failingThread.get(), "fetch"));
    } finally {
      release.countDown();
    }
    Throwable thrown = call.get(WAIT_SECONDS, TimeUnit.SECONDS);

    assertThat(thrown)
        .isInstanceOfSatisfying(
            HttpLoadException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.STATUS);
              assertThat(e.statusCode()).isEqualTo(500);
              assertThat(e.getMessage()).contains("/api/bad").contains("3 attempt");
            });
    // The two keys in flight failed too, on their first attempt: not retried once the call failed.
    assertThat(thrown.getSuppressed()).hasSize(max - 1);
    assertThat(thrown.getSuppressed())
        .allSatisfy(
            s -> assertThat(s).isInstanceOf(HttpLoadException.class).hasMessageContaining("1 attempt"));
    long others = server.requests().stream().filter(r -> !r.rawPath().equals("/api/bad")).count();
    assertThat(others).as("requests for the other keys").isEqualTo(max - 1);
    assertThat(requestsFor("bad")).isEqualTo(3);
  }

  @Test
  void loadAllEntries_aClientError_failsTheCallWithoutRetry() {
    server.handler(
        exchange -> {
          if (key(exchange).equals("forbidden")) {
            TestServer.respond(exchange, 403, "no");
          } else {
            TestServer.respond(exchange, 200, "ok");
          }
        });
    HttpLoader<String> loader = loader(options().maxConcurrentRequests(1));

    assertThatThrownBy(() -> loader.loadAllEntries(keys("forbidden", "a", "b", "c")))
        .isInstanceOfSatisfying(
            HttpLoadException.class, e -> assertThat(e.statusCode()).isEqualTo(403));
    // One thread, the failing key first: nothing after it is requested.
    assertThat(server.requestCount()).isEqualTo(1);
  }

  @Test
  void loadAllEntries_interruptedBeforeTheCall_failsWithoutRequest_andKeepsTheFlag() {
    mixedAnswers();
    HttpLoader<String> loader = loader(options());
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> loader.loadAllEntries(keys("shared", "short")))
          .isInstanceOfSatisfying(
              HttpLoadException.class, e -> assertThat(e.reason()).isEqualTo(Reason.INTERRUPTED));
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
    assertThat(server.requestCount()).isZero();
  }

  @Test
  void loadAllEntries_interruptedWhileRequestsAreHeld_failsAtOnce_andKeepsTheFlag()
      throws Exception {
    CountDownLatch held = new CountDownLatch(2);
    CountDownLatch release = new CountDownLatch(1);
    server.handler(
        exchange -> {
          held.countDown();
          release.await(WAIT_SECONDS, TimeUnit.SECONDS);
          TestServer.respond(exchange, 200, "late");
        });
    HttpLoader<String> loader = loader(options().maxConcurrentRequests(2));
    AtomicReference<Thread> caller = new AtomicReference<>();
    Future<List<Object>> call =
        callers.submit(
            () -> {
              caller.set(Thread.currentThread());
              Throwable thrown = catchThrowable(() -> loader.loadAllEntries(keys("a", "b", "c", "d")));
              return Arrays.asList(thrown, Thread.currentThread().isInterrupted());
            });
    try {
      assertThat(held.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
      caller.get().interrupt();
      // Answered while the requests are still held: the caller did not wait for them.
      List<Object> outcome = call.get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(outcome.get(0))
          .isInstanceOfSatisfying(
              HttpLoadException.class, e -> assertThat(e.reason()).isEqualTo(Reason.INTERRUPTED));
      assertThat(outcome.get(1)).as("interrupt flag restored").isEqualTo(true);
      assertThat(release.getCount()).isEqualTo(1);
    } finally {
      release.countDown();
    }
    // Nothing further starts after the interrupt: the two held requests were the last.
    awaitCondition(() -> threadsNamed("strata-http-bulk-").stream().noneMatch(t -> inFrame(t, "fetch")));
    assertThat(server.requestCount()).isEqualTo(2);
  }

  // ---------------------------------------------------------------- through a cache

  private MultiLevelCache<String, HttpValue> cache(FakeTicker ticker, InMemoryTier.Store shared) {
    return MultiLevelCache.<String, HttpValue>builder("bulk")
        .loader(loader(HttpLoaderOptions.builder().sleeper(d -> {})))
        .tier(InMemoryTier.factory("shared", shared, HttpValue.codec()))
        .ticker(ticker)
        .build();
  }

  @Test
  void getAll_throughACache_makesExactlyOneUpstreamRequestPerKey() {
    mixedAnswers();
    MultiLevelCache<String, HttpValue> cache = cache(new FakeTicker(), new InMemoryTier.Store());
    Set<String> keys = keys("mine", "fleeting", "shared", "short", "missing");

    Map<String, HttpValue> values = cache.getAll(keys);

    assertThat(values).containsOnlyKeys("mine", "fleeting", "shared", "short");
    values.forEach((key, value) -> assertThat(value.bodyAsString()).isEqualTo(key));
    for (String key : keys) {
      assertThat(requestsFor(key)).as(key).isEqualTo(1);
    }
    assertThat(server.requestCount()).isEqualTo(keys.size());
  }

  /** Needs the core engine whose getAll calls loadAllEntries: before it, hints are dropped. */
  @Test
  void getAll_throughACache_keepsEachKeysOwnLifetimeAndStorage() {
    mixedAnswers();
    FakeTicker ticker = new FakeTicker();
    InMemoryTier.Store shared = new InMemoryTier.Store();
    MultiLevelCache<String, HttpValue> cache = cache(ticker, shared);
    Set<String> keys = keys("mine", "fleeting", "shared", "short");

    cache.getAll(keys);

    assertThat(shared.size()).as("only 'shared' and 'short' reach the shared tier").isEqualTo(2);
    assertThat(cache.lookup("mine").tier()).isEqualTo("local");
    assertThat(server.requestCount()).isEqualTo(4);

    ticker.advance(Duration.ofSeconds(6)); // past max-age=5, within 30 and 60
    Map<String, HttpValue> again = cache.getAll(keys);

    assertThat(again).containsOnlyKeys(keys);
    assertThat(requestsFor("short")).as("max-age=5 expired").isEqualTo(2);
    assertThat(requestsFor("fleeting")).as("no-store is never kept").isEqualTo(2);
    assertThat(requestsFor("shared")).as("max-age=60 still fresh").isEqualTo(1);
    assertThat(requestsFor("mine")).as("private max-age=30 still fresh").isEqualTo(1);
  }

  // ---------------------------------------------------------------- helpers

  private static java.util.stream.Collector<String, ?, Set<String>> toOrderedSet() {
    return Collectors.toCollection(LinkedHashSet::new);
  }

  private static boolean parked(List<Thread> threads) {
    return threads.stream()
        .allMatch(
            t -> !t.isAlive()
                || t.getState() == Thread.State.WAITING
                || t.getState() == Thread.State.TIMED_WAITING);
  }

  private static List<Thread> threadsNamed(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith(prefix))
        .collect(Collectors.toList());
  }

  private static boolean inFrame(Thread thread, String method) {
    return Arrays.stream(thread.getStackTrace())
        .anyMatch(
            f -> f.getClassName().endsWith(".HttpLoaderEngine") && f.getMethodName().equals(method));
  }

  /** Polls {@code condition} for up to {@link #WAIT_SECONDS}; fails if it never holds. */
  private static void awaitCondition(BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("condition not reached within " + WAIT_SECONDS + " s");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
  }
}
