package io.strata.cache;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.cache.FreshnessTest.CountingLoader;
import io.strata.cache.codec.Codec;
import io.strata.cache.testkit.FakeTicker;
import io.strata.cache.testkit.InMemoryTier;
import io.strata.cache.testkit.ManualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Bulk is single, many times: {@code getAll}, {@code getAllAsync} and {@code warmUp} pass the same
 * freshness, storage and timeout tests as {@code get}. Each test reads one key through one {@link
 * ReadPath}; the {@code GET} row is the reference every other row must match.
 */
class BulkParityTest {

  /** A bound on every wait: only there so that a defect fails the test instead of hanging it. */
  private static final long BOUND_SECONDS = 5;

  private static final Duration TTL = Duration.ofSeconds(10);

  /** The ways to read one key. */
  enum ReadPath {
    GET,
    GET_ALL,
    GET_ALL_ASYNC,
    WARM_UP;

    /**
     * Reads {@code key} through this path and returns its value, or null when there is none or
     * the path does not answer with values ({@link #WARM_UP}). A failure is thrown as {@code get}
     * throws it: a runtime exception unchanged.
     */
    @Nullable String read(MultiLevelCache<String, String> cache, String key) throws Exception {
      switch (this) {
        case GET:
          return cache.get(key);
        case GET_ALL:
          return cache.getAll(List.of(key)).get(key);
        case GET_ALL_ASYNC:
          try {
            return cache.getAllAsync(List.of(key)).get(2 * BOUND_SECONDS, SECONDS).get(key);
          } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof CompletionException && cause.getCause() != null) {
              cause = cause.getCause();
            }
            if (cause instanceof RuntimeException runtime) {
              throw runtime;
            }
            if (cause instanceof Error error) {
              throw error;
            }
            throw new CompletionException(cause);
          }
        case WARM_UP:
          cache.advanced().warmUp(List.of(key));
          return null;
        default:
          throw new AssertionError(this);
      }
    }

    /** Whether {@link #read} answers with the value read. */
    boolean answersTheValue() {
      return this != WARM_UP;
    }
  }

  private final FakeTicker ticker = new FakeTicker();
  private final InMemoryTier.Store store = new InMemoryTier.Store();
  private final List<MultiLevelCache<String, String>> caches = new ArrayList<>();
  private final ExecutorService callers = Executors.newCachedThreadPool(BulkParityTest::daemon);
  private final TrackedExecutor background = new TrackedExecutor();
  private final ArmedScheduler scheduler = new ArmedScheduler(ticker);
  /** Released by the test, or after it, so that no blocked load outlives it. */
  private final CountDownLatch release = new CountDownLatch(1);
  /** The lower tier of the last cache built with {@link #lowerTier()}. */
  private @Nullable CacheTier<String, String> lower;

  @AfterEach
  void tearDown() {
    release.countDown();
    caches.forEach(MultiLevelCache::close);
    callers.shutdownNow();
    background.shutdownNow();
  }

  /** A builder on the fake ticker whose background work runs on the calling thread. */
  private MultiLevelCacheBuilder<String, String> builder() {
    return MultiLevelCache.<String, String>builder("parity").ticker(ticker).executor(Runnable::run);
  }

  /** A builder on the fake ticker, loading on a pool, whose timeouts fire by hand. */
  private MultiLevelCacheBuilder<String, String> timedBuilder() {
    return MultiLevelCache.<String, String>builder("parity")
        .ticker(ticker)
        .executor(background)
        .scheduler(scheduler)
        .ttl(TTL);
  }

  private MultiLevelCache<String, String> build(MultiLevelCacheBuilder<String, String> builder) {
    MultiLevelCache<String, String> cache = builder.build();
    caches.add(cache);
    return cache;
  }

  /** An in-memory lower tier on {@link #store}, kept in {@link #lower} for inspection. */
  private TierFactory<String, String> lowerTier() {
    TierFactory<String, String> memory = InMemoryTier.factory("memory", store, Codec.utf8());
    return context -> {
      CacheTier<String, String> tier = memory.create(context);
      lower = tier;
      return tier;
    };
  }

  private static void assertAnswer(ReadPath path, @Nullable String actual, @Nullable String expected) {
    if (path.answersTheValue()) {
      assertThat(actual).as("what %s answered", path).isEqualTo(expected);
    }
  }

  private static Lookup<String> fresh(String value, String tier) {
    return new Lookup<>(value, tier, false);
  }

  private static Lookup<String> loaded(String value) {
    return new Lookup<>(value, null, false);
  }

  private static Lookup<String> stale(String value, String tier) {
    return new Lookup<>(value, tier, true);
  }

  // ---------------------------------------------------------------- time to live

  @ParameterizedTest(name = "{0}")
  @EnumSource(ReadPath.class)
  void exactTtlFromTheLoader_isKept(ReadPath path) throws Exception {
    CountingLoader loader =
        new CountingLoader((key, call) -> Loaded.builder("v" + call).ttl(Duration.ofSeconds(3)).build());
    MultiLevelCache<String, String> cache =
        build(builder().ttlPolicy((key, value, hint) -> Duration.ofHours(1)).loader(loader));

    assertAnswer(path, path.read(cache, "k"), "v1");

    ticker.advance(Duration.ofSeconds(3).minusNanos(1));
    assertThat(cache.lookup("k")).isEqualTo(fresh("v1", "local"));
    ticker.advance(Duration.ofNanos(1));
    assertThat(cache.lookup("k")).isEqualTo(loaded("v2"));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(ReadPath.class)
  void ttlHintFromTheLoader_goesThroughTheTtlPolicy(ReadPath path) throws Exception {
    CountingLoader loader =
        new CountingLoader(
            (key, call) -> Loaded.builder("v" + call).ttlHint(Duration.ofSeconds(30)).build());
    MultiLevelCache<String, String> cache =
        build(
            builder()
                .ttlPolicy(
                    TtlPolicy.fromHint(
                        Duration.ofMinutes(1), Duration.ofSeconds(1), Duration.ofHours(1)))
                .loader(loader));

    assertAnswer(path, path.read(cache, "k"), "v1");

    ticker.advance(Duration.ofSeconds(30).minusNanos(1));
    assertThat(cache.lookup("k")).isEqualTo(fresh("v1", "local"));
    ticker.advance(Duration.ofNanos(1));
    assertThat(cache.lookup("k")).isEqualTo(loaded("v2"));
  }

  // ---------------------------------------------------------------- storage

  @ParameterizedTest(name = "{0}")
  @EnumSource(ReadPath.class)
  void localOnly_neverReachesTheLowerTier(ReadPath path) throws Exception {
    CountingLoader loader =
        new CountingLoader(
            (key, call) -> Loaded.builder("v" + call).storage(Loaded.Storage.LOCAL_ONLY).build());
    MultiLevelCache<String, String> cache =
        build(builder().ttl(TTL).tier(lowerTier()).loader(loader));

    assertAnswer(path, path.read(cache, "k"), "v1");

    assertThat(store.writes()).as("writes to the lower tier").isZero();
    assertThat(store.size()).as("entries in the lower tier").isZero();
    assertThat(cache.lookup("k")).isEqualTo(fresh("v1", "local"));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(ReadPath.class)
  void nowhere_isKeptInNoTier_butTheCallerGetsTheValue(ReadPath path) throws Exception {
    CountingLoader loader =
        new CountingLoader(
            (key, call) -> Loaded.builder("v" + call).storage(Loaded.Storage.NOWHERE).build());
    MultiLevelCache<String, String> cache =
        build(builder().ttl(TTL).tier(lowerTier()).loader(loader));

    assertAnswer(path, path.read(cache, "k"), "v1");

    assertThat(store.size()).as("entries in the lower tier").isZero();
    assertThat(cache.advanced().estimatedLocalSize()).as("entries in the local tier").isZero();
    assertThat(cache.lookup("k")).isEqualTo(loaded("v2"));
  }

  // ---------------------------------------------------------------- validators

  @ParameterizedTest(name = "{0}")
  @EnumSource(ReadPath.class)
  void validatorsAndRevalidationWindow_areKept(ReadPath path) throws Exception {
    List<@Nullable String> previousEtags = new CopyOnWriteArrayList<>();
    AtomicInteger loads = new AtomicInteger();
    Loader<String, String> loader =
        new Loader<>() {
          @Override
          public @Nullable String load(String key) {
            return loadEntry(key).value();
          }

          @Override
          public Loaded<String> loadEntry(String key) {
            loads.incrementAndGet();
            return Loaded.builder("v1")
                .ttl(TTL)
                .etag("\"e1\"")
                .contentType("text/plain")
                .revalidateWithin(Duration.ofHours(1))
                .build();
          }

          @Override
          public Loaded<String> reload(String key, CacheEntry<String> previous) {
            previousEtags.add(previous.etag());
            return Loaded.<String>notModifiedBuilder().ttl(TTL).build();
          }
        };
    MultiLevelCache<String, String> cache = build(builder().tier(lowerTier()).loader(loader));

    assertAnswer(path, path.read(cache, "k"), "v1");

    CacheEntry<String> stored = java.util.Objects.requireNonNull(lower).get("k");
    assertThat(stored).as("the lower tier's entry").isNotNull();
    assertThat(stored.etag()).isEqualTo("\"e1\"");
    assertThat(stored.contentType()).isEqualTo("text/plain");
    ticker.advance(Duration.ofSeconds(15)); // expired, kept for revalidation
    assertThat(cache.get("k")).isEqualTo("v1");
    assertThat(previousEtags).as("etags sent with the reload").containsExactly("\"e1\"");
    assertThat(loads).hasValue(1);
  }

  // ---------------------------------------------------------------- stale-while-revalidate

  @ParameterizedTest(name = "{0}")
  @EnumSource(ReadPath.class)
  void staleWhileRevalidateFromTheLoader_isKept(ReadPath path) throws Exception {
    CountingLoader loader =
        new CountingLoader(
            (key, call) ->
                Loaded.builder("v" + call).staleWhileRevalidate(Duration.ofSeconds(30)).build());
    MultiLevelCache<String, String> cache = build(builder().ttl(TTL).loader(loader));

    assertAnswer(path, path.read(cache, "k"), "v1");

    ticker.advance(Duration.ofSeconds(20));
    assertThat(cache.lookup("k")).isEqualTo(stale("v1", "local"));
    assertThat(cache.lookup("k")).isEqualTo(fresh("v2", "local"));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = ReadPath.class, names = "WARM_UP", mode = EnumSource.Mode.EXCLUDE)
  void expiredWithinStaleWhileRevalidate_isServedStale_andReloaded(ReadPath path)
      throws Exception {
    CountingLoader loader = CountingLoader.numbered();
    MultiLevelCache<String, String> cache =
        build(
            builder().ttl(TTL).staleWhileRevalidate(Duration.ofSeconds(5)).loader(loader));
    assertThat(cache.get("k")).isEqualTo("v1");
    ticker.advance(Duration.ofSeconds(12));

    assertAnswer(path, path.read(cache, "k"), "v1");

    assertThat(loader.calls()).isEqualTo(2);
    assertThat(cache.lookup("k")).isEqualTo(fresh("v2", "local"));
  }

  // ---------------------------------------------------------------- stale-if-error

  @ParameterizedTest(name = "{0}")
  @EnumSource(ReadPath.class)
  void staleIfErrorFromTheLoader_isKept(ReadPath path) throws Exception {
    CountingLoader loader =
        new CountingLoader(
            (key, call) -> {
              if (call == 1) {
                return Loaded.builder("v1").staleIfError(Duration.ofMinutes(1)).build();
              }
              throw new IllegalStateException("source down");
            });
    MultiLevelCache<String, String> cache = build(builder().ttl(TTL).loader(loader));

    assertAnswer(path, path.read(cache, "k"), "v1");

    ticker.advance(Duration.ofSeconds(15));
    assertThat(cache.lookup("k")).isEqualTo(stale("v1", "local"));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(ReadPath.class)
  void expiredWithinStaleIfError_loaderFails_answersTheStaleValue(ReadPath path)
      throws Exception {
    CountingLoader loader =
        new CountingLoader(
            (key, call) -> {
              if (call == 1) {
                return Loaded.of("v1");
              }
              throw new IllegalStateException("source down");
            });
    MultiLevelCache<String, String> cache =
        build(builder().ttl(TTL).staleIfError(Duration.ofMinutes(1)).loader(loader));
    assertThat(cache.get("k")).isEqualTo("v1");
    ticker.advance(Duration.ofSeconds(15));

    assertAnswer(path, path.read(cache, "k"), "v1");

    assertThat(loader.calls()).isEqualTo(2);
    assertThat(cache.stats().loadFailureCount()).isEqualTo(1);
  }

  // ---------------------------------------------------------------- the source lost the key

  @ParameterizedTest(name = "{0}")
  @EnumSource(ReadPath.class)
  void reloadAnsweringNotFound_removesTheExpiredCopyFromEveryTier(ReadPath path)
      throws Exception {
    IllegalStateException down = new IllegalStateException("source down");
    CountingLoader loader =
        new CountingLoader(
            (key, call) -> {
              if (call == 1) {
                return Loaded.of("v1");
              }
              if (call == 2) {
                return Loaded.notFound();
              }
              throw down;
            });
    MultiLevelCache<String, String> cache =
        build(
            builder()
                .ttl(TTL)
                .staleIfError(Duration.ofMinutes(1))
                .tier(lowerTier())
                .loader(loader));
    assertThat(cache.get("k")).isEqualTo("v1");
    ticker.advance(Duration.ofSeconds(15)); // expired, kept for stale-if-error in both tiers

    assertAnswer(path, path.read(cache, "k"), null);

    assertThat(loader.calls()).isEqualTo(2);
    assertThat(java.util.Objects.requireNonNull(lower).get("k"))
        .as("the lower tier's expired copy")
        .isNull();
    // Nothing is left to fall back on: the next failure reaches the caller.
    assertThatThrownBy(() -> cache.get("k")).isSameAs(down);
  }

  // ---------------------------------------------------------------- load timeouts

  /** Answers v1 at once on the first call, then v{n} once the test releases it. */
  private CountingLoader slowAfterFirst() {
    return new CountingLoader(
        (key, call) -> {
          if (call > 1 && !release.await(6 * BOUND_SECONDS, SECONDS)) {
            throw new AssertionError("the test never released the load");
          }
          return Loaded.of("v" + call);
        });
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(ReadPath.class)
  void softTimeout_withAStaleValue_answersItWhileTheLoadGoesOn(ReadPath path) throws Exception {
    CountingLoader loader = slowAfterFirst();
    MultiLevelCache<String, String> cache =
        build(
            timedBuilder()
                .staleIfError(Duration.ofMinutes(1))
                .softLoadTimeout(Duration.ofSeconds(1))
                .loader(loader));
    assertThat(cache.get("k")).isEqualTo("v1");
    ticker.advance(Duration.ofSeconds(15));
    scheduler.expectTimer();

    Future<String> caller = callers.submit(() -> path.read(cache, "k"));
    scheduler.awaitTimer(path);
    scheduler.advance(Duration.ofSeconds(1));

    assertAnswer(path, caller.get(BOUND_SECONDS, SECONDS), "v1");
    release.countDown();
    background.awaitIdle();
    assertThat(cache.lookup("k")).isEqualTo(fresh("v2", "local"));
    assertThat(loader.calls()).isEqualTo(2);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(ReadPath.class)
  void hardTimeout_withinStaleIfError_answersTheStaleValue(ReadPath path) throws Exception {
    CountingLoader loader = slowAfterFirst();
    MultiLevelCache<String, String> cache =
        build(
            timedBuilder()
                .staleIfError(Duration.ofMinutes(1))
                .hardLoadTimeout(Duration.ofSeconds(2))
                .loader(loader));
    assertThat(cache.get("k")).isEqualTo("v1");
    ticker.advance(Duration.ofSeconds(15));
    scheduler.expectTimer();

    Future<String> caller = callers.submit(() -> path.read(cache, "k"));
    scheduler.awaitTimer(path);
    scheduler.advance(Duration.ofSeconds(2));

    assertAnswer(path, caller.get(BOUND_SECONDS, SECONDS), "v1");
    release.countDown();
    background.awaitIdle();
    assertThat(cache.get("k")).isEqualTo("v2");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(ReadPath.class)
  void hardTimeout_withoutAFallback_stopsTheCallerWithATimeout(ReadPath path) throws Exception {
    AtomicInteger calls = new AtomicInteger();
    MultiLevelCache<String, String> cache =
        build(
            timedBuilder()
                .hardLoadTimeout(Duration.ofSeconds(2))
                .loader(
                    key -> {
                      calls.incrementAndGet();
                      if (!release.await(6 * BOUND_SECONDS, SECONDS)) {
                        throw new AssertionError("the test never released the load");
                      }
                      return "late";
                    }));

    scheduler.expectTimer();
    Future<String> caller = callers.submit(() -> path.read(cache, "k"));
    scheduler.awaitTimer(path);
    scheduler.advance(Duration.ofSeconds(2));

    assertThatThrownBy(() -> caller.get(BOUND_SECONDS, SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasRootCauseInstanceOf(TimeoutException.class);
    release.countDown();
    background.awaitIdle();
    assertThat(cache.lookup("k")).isEqualTo(fresh("late", "local"));
    assertThat(calls).hasValue(1);
  }

  // ---------------------------------------------------------------- helpers

  private static Thread daemon(Runnable task) {
    Thread thread = new Thread(task, "bulk-parity-test");
    thread.setDaemon(true);
    return thread;
  }

  /** A {@link ManualScheduler} that also tells the test when a load timeout is armed. */
  static final class ArmedScheduler implements Scheduler {
    private final ManualScheduler timers;
    private final Semaphore armed = new Semaphore(0);

    ArmedScheduler(FakeTicker ticker) {
      this.timers = new ManualScheduler(ticker);
    }

    @Override
    public Future<?> schedule(Duration delay, Runnable task) {
      Future<?> timer = timers.schedule(delay, task);
      armed.release();
      return timer;
    }

    /** Forgets the timers armed so far: {@link #awaitTimer} waits for one armed after this. */
    void expectTimer() {
      armed.drainPermits();
    }

    /** Waits (bounded) until a timer is armed by the read through {@code path}. */
    void awaitTimer(ReadPath path) throws InterruptedException {
      if (!armed.tryAcquire(BOUND_SECONDS, SECONDS)) {
        throw new AssertionError(
            "a read through " + path + " armed no load timeout within " + BOUND_SECONDS + " s");
      }
    }

    /** Moves the ticker and fires every timer that is due. */
    void advance(Duration duration) {
      timers.advance(duration);
    }
  }

  /** A pool of daemon threads whose tasks the test can wait for. */
  static final class TrackedExecutor implements Executor {
    private final ExecutorService pool = Executors.newCachedThreadPool(BulkParityTest::daemon);
    private final List<Future<?>> tasks = new CopyOnWriteArrayList<>();

    @Override
    public void execute(Runnable task) {
      tasks.add(pool.submit(task));
    }

    /** Waits for every task submitted so far, and for those they submit. */
    void awaitIdle() throws Exception {
      for (int i = 0; i < tasks.size(); i++) {
        tasks.get(i).get(BOUND_SECONDS, SECONDS);
      }
    }

    void shutdownNow() {
      pool.shutdownNow();
    }
  }
}
