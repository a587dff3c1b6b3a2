package io.strata.cache;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.entry;

import io.strata.cache.codec.Codec;
import io.strata.cache.testkit.FakeTicker;
import io.strata.cache.testkit.ForwardingTier;
import io.strata.cache.testkit.InMemoryTier;
import io.strata.cache.testkit.ManualScheduler;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.api.SoftAssertions;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One regression test (or more) per engine defect of issue 15, each named after what broke. Time
 * is a {@link FakeTicker}, timeouts fire through a {@link ManualScheduler}, interleavings are driven
 * by latches inside a lower tier; every wait is bounded so that a defect fails the test instead of
 * hanging it.
 */
class EngineRegressionTest {

  /** A bound on every wait: only there so that a deadlock fails the test instead of hanging it. */
  private static final long BOUND_SECONDS = 5;

  private static final Duration THOUSAND_YEARS = Duration.ofDays(365_000);

  private final FakeTicker ticker = new FakeTicker();
  private final InMemoryTier.Store store = new InMemoryTier.Store();
  private final ExecutorService pool = Executors.newCachedThreadPool(EngineRegressionTest::daemon);
  private final List<MultiLevelCache<?, ?>> caches = new ArrayList<>();
  /** Released after each test, so that no load a test left blocked outlives it. */
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void tearDown() {
    release.countDown();
    for (MultiLevelCache<?, ?> cache : caches) {
      cache.close();
    }
    pool.shutdownNow();
  }

  private MultiLevelCacheBuilder<String, String> builder(String name) {
    return MultiLevelCache.<String, String>builder(name).ticker(ticker);
  }

  private <K, V> MultiLevelCache<K, V> build(MultiLevelCacheBuilder<K, V> builder) {
    MultiLevelCache<K, V> cache = builder.build();
    caches.add(cache);
    return cache;
  }

  // ------------------------------------------------------------------ 1. null key in getAll

  @Test
  void getAll_nullKey_throwsNullPointerException_andLeavesNoKeyClaimed() throws Exception {
    MultiLevelCache<String, String> cache =
        build(builder("nulls").executor(Runnable::run).loader(key -> "v-" + key));

    assertThatThrownBy(() -> cache.getAll(Arrays.asList("a", null)))
        .isInstanceOf(NullPointerException.class);

    assertThat(within("get(\"a\") after the failed getAll", () -> cache.get("a")))
        .isEqualTo("v-a");
  }

  @Test
  void getAllAsync_nullKey_failsWithNullPointerException_andLeavesNoKeyClaimed() throws Exception {
    MultiLevelCache<String, String> cache =
        build(builder("nulls").executor(Runnable::run).loader(key -> "v-" + key));

    Throwable thrown =
        catchThrowable(
            () -> cache.getAllAsync(Arrays.asList("a", null)).get(BOUND_SECONDS, SECONDS));

    assertThat(
            thrown instanceof NullPointerException
                || (thrown instanceof ExecutionException
                    && thrown.getCause() instanceof NullPointerException))
        .as("getAllAsync with a null key threw or failed with a NullPointerException, but: %s", thrown)
        .isTrue();
    assertThat(within("get(\"a\") after the failed getAllAsync", () -> cache.get("a")))
        .isEqualTo("v-a");
  }

  @Test
  void warmUp_nullKey_throwsNullPointerException_andLeavesNoKeyClaimed() throws Exception {
    MultiLevelCache<String, String> cache =
        build(builder("nulls").executor(Runnable::run).loader(key -> "v-" + key));

    assertThatThrownBy(() -> cache.advanced().warmUp(Arrays.asList("a", null)))
        .isInstanceOf(NullPointerException.class);

    assertThat(within("get(\"a\") after the failed warmUp", () -> cache.get("a")))
        .isEqualTo("v-a");
  }

  // ------------------------------------------------------------------ 2. bulk keeps the hints

  @Test
  void getAll_callsLoadAllEntries_andKeepsWhatTheLoaderSaid() {
    List<Set<String>> bulkCalls = new CopyOnWriteArrayList<>();
    Loader<String, String> loader =
        new Loader<>() {
          @Override
          public String load(String key) {
            throw new AssertionError("load must not be called: loadAllEntries is overridden");
          }

          @Override
          public Map<String, Loaded<String>> loadAllEntries(Set<? extends String> keys) {
            bulkCalls.add(Set.copyOf(keys));
            Map<String, Loaded<String>> result = new HashMap<>();
            for (String key : keys) {
              result.put(
                  key,
                  Loaded.builder("v-" + key)
                      .ttl(Duration.ofSeconds(3))
                      .storage(Loaded.Storage.LOCAL_ONLY)
                      .build());
            }
            return result;
          }
        };
    MultiLevelCache<String, String> cache =
        build(
            builder("hints")
                .executor(Runnable::run)
                .ttl(Duration.ofHours(1))
                .tier(InMemoryTier.factory("memory", store, Codec.utf8()))
                .loader(loader));

    assertThat(cache.getAll(List.of("a", "b"))).containsOnly(entry("a", "v-a"), entry("b", "v-b"));

    assertThat(bulkCalls).containsExactly(Set.of("a", "b"));
    assertThat(store.size()).as("LOCAL_ONLY values in the shared tier").isZero();
    ticker.advance(Duration.ofSeconds(3));
    assertThat(cache.getIfPresent("a")).as("a value past the loader's exact ttl").isNull();
  }

  @Test
  void getAll_loaderOverridingOnlyLoadAll_keepsItsOneBatch() {
    List<Set<String>> bulkCalls = new CopyOnWriteArrayList<>();
    Loader<String, String> loader =
        new Loader<>() {
          @Override
          public String load(String key) {
            throw new AssertionError("load must not be called: loadAll is overridden");
          }

          @Override
          public Map<String, String> loadAll(Set<? extends String> keys) {
            bulkCalls.add(Set.copyOf(keys));
            Map<String, String> result = new HashMap<>();
            keys.forEach(key -> result.put(key, "v-" + key));
            return result;
          }
        };
    MultiLevelCache<String, String> cache =
        build(builder("batch").executor(Runnable::run).loader(loader));

    assertThat(cache.getAll(List.of("a", "b", "c")))
        .containsOnly(entry("a", "v-a"), entry("b", "v-b"), entry("c", "v-c"));
    assertThat(bulkCalls).containsExactly(Set.of("a", "b", "c"));
  }

  // ------------------------------------------------------------------ 3. writes racing a read

  /**
   * A cache whose local copies live 1 s over a lower tier (which tells nobody of changes) that
   * keeps them 10 minutes, and whose source now says "new".
   */
  private MultiLevelCache<String, String> coherenceCache(GatedTier[] gated) {
    return build(
        builder("coherent")
            .executor(Runnable::run)
            .ttl(Duration.ofMinutes(10))
            .localTtl(Duration.ofSeconds(1))
            .tier(gatedFactory(gated))
            .loader(key -> "new"));
  }

  @Test
  void invalidate_readDuringTheLowerTierDelete_leavesNoOldValueInTheLocalTier() throws Exception {
    GatedTier[] gated = new GatedTier[1];
    MultiLevelCache<String, String> cache = coherenceCache(gated);
    cache.put("k", "old");
    ticker.advance(Duration.ofSeconds(2)); // the local copy is gone; the lower tier has "old"
    Gate write = gated[0].holdNextWrite();
    Gate read = gated[0].holdNextRead();

    Future<?> invalidating = pool.submit(() -> cache.invalidate("k"));
    assertThat(write.entered.await(BOUND_SECONDS, SECONDS)).as("invalidate reached the tier").isTrue();
    Future<String> reading = pool.submit(() -> cache.get("k"));
    // The read takes "old" from the lower tier before the delete; not asserted, so that an engine
    // that holds reads back during the delete only costs this wait.
    read.entered.await(BOUND_SECONDS, SECONDS);
    write.release.countDown();
    invalidating.get(BOUND_SECONDS, SECONDS);
    read.release.countDown();
    reading.get(BOUND_SECONDS, SECONDS);

    assertThat(cache.lookup("k").value())
        .as("the value after invalidate() returned (the source says \"new\")")
        .isEqualTo("new");
  }

  @Test
  void put_readDuringTheLowerTierWrite_leavesNoOldValueInTheLocalTier() throws Exception {
    GatedTier[] gated = new GatedTier[1];
    MultiLevelCache<String, String> cache = coherenceCache(gated);
    cache.put("k", "old");
    ticker.advance(Duration.ofSeconds(2)); // the local copy is gone; the lower tier has "old"
    Gate write = gated[0].holdNextWrite();
    Gate read = gated[0].holdNextRead();

    Future<?> putting = pool.submit(() -> cache.put("k", "new"));
    assertThat(write.entered.await(BOUND_SECONDS, SECONDS)).as("put reached the tier").isTrue();
    Future<String> reading = pool.submit(() -> cache.get("k"));
    read.entered.await(BOUND_SECONDS, SECONDS); // see invalidate_readDuringTheLowerTierDelete
    write.release.countDown();
    putting.get(BOUND_SECONDS, SECONDS);
    read.release.countDown();
    reading.get(BOUND_SECONDS, SECONDS);

    assertThat(cache.lookup("k").value()).as("the value after put(\"new\") returned").isEqualTo("new");
  }

  // ------------------------------------------------------------------ 4. invalidate, then get

  @Test
  void invalidateThenGet_onOneThread_doesNotJoinTheLoadBegunBeforeTheInvalidation()
      throws Exception {
    CountDownLatch oldLoadEntered = new CountDownLatch(1);
    CountDownLatch oldLoadRelease = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    MultiLevelCache<String, String> cache =
        build(
            builder("fresh-after-invalidate")
                .executor(Runnable::run)
                .loader(
                    key -> {
                      if (calls.incrementAndGet() == 1) {
                        oldLoadEntered.countDown();
                        await(oldLoadRelease);
                        return "old";
                      }
                      return "new";
                    }));
    Future<String> oldReader = pool.submit(() -> cache.get("k"));
    assertThat(oldLoadEntered.await(BOUND_SECONDS, SECONDS)).isTrue();

    Future<String> invalidateThenGet =
        pool.submit(
            () -> {
              cache.invalidate("k");
              return cache.get("k");
            });
    String answer;
    try {
      answer = invalidateThenGet.get(BOUND_SECONDS, SECONDS);
    } catch (TimeoutException e) {
      oldLoadRelease.countDown();
      throw new AssertionError(
          "get after invalidate waited for the load begun before the invalidation, then answered "
              + invalidateThenGet.get(BOUND_SECONDS, SECONDS));
    }

    assertThat(answer).isEqualTo("new");
    assertThat(calls).hasValue(2);
    oldLoadRelease.countDown();
    oldReader.get(BOUND_SECONDS, SECONDS);
    assertThat(cache.get("k")).as("after the old load finished").isEqualTo("new");
  }

  // ------------------------------------------------------------------ 5. recursive loads

  @Test
  void get_loaderReadingItsOwnKey_failsFastWithIllegalStateException() throws Exception {
    AtomicReference<MultiLevelCache<String, String>> self = new AtomicReference<>();
    MultiLevelCache<String, String> cache =
        build(builder("recursive").executor(Runnable::run).loader(key -> self.get().get(key)));
    self.set(cache);

    Throwable thrown = within("a recursive get", () -> catchThrowable(() -> cache.get("k")));

    assertThat(thrown).isInstanceOf(IllegalStateException.class);
    assertThat(within("a later get", () -> cache.get("k", key -> "plain"))).isEqualTo("plain");
  }

  @Test
  void getAll_loaderReadingItsOwnKey_failsFastWithIllegalStateException() throws Exception {
    AtomicReference<MultiLevelCache<String, String>> self = new AtomicReference<>();
    MultiLevelCache<String, String> cache =
        build(builder("recursive").executor(Runnable::run).loader(key -> self.get().get(key)));
    self.set(cache);

    Throwable thrown =
        within("a recursive getAll", () -> catchThrowable(() -> cache.getAll(List.of("k"))));

    assertThat(thrown).isInstanceOf(IllegalStateException.class);
    assertThat(within("a later get", () -> cache.get("k", key -> "plain"))).isEqualTo("plain");
  }

  // ------------------------------------------------------------------ 6. hard timeout slot

  @Test
  void hardTimeout_releasesTheInFlightSlot_soTheNextCallerStartsANewLoad() throws Exception {
    ManualScheduler scheduler = new ManualScheduler(ticker);
    AtomicInteger calls = new AtomicInteger();
    CountDownLatch stuck = new CountDownLatch(1);
    MultiLevelCache<String, String> cache =
        build(
            builder("stuck")
                .executor(pool)
                .scheduler(scheduler)
                .hardLoadTimeout(Duration.ofSeconds(2))
                .loader(
                    key -> {
                      int call = calls.incrementAndGet();
                      if (call == 1) {
                        stuck.countDown();
                        await(release); // stuck until the test ends
                      }
                      return "v" + call;
                    }));
    Future<String> first = pool.submit(() -> cache.get("k"));
    // The first load must be the stuck one: time out only once the loader holds it.
    assertThat(stuck.await(BOUND_SECONDS, SECONDS)).isTrue();
    scheduler.awaitScheduled(1);
    scheduler.advance(Duration.ofSeconds(2));
    assertThatThrownBy(() -> first.get(BOUND_SECONDS, SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasRootCauseInstanceOf(TimeoutException.class);

    String second = within("the get after the hard timeout", () -> cache.get("k"));

    assertThat(second).isEqualTo("v2");
    assertThat(calls).hasValue(2);
  }

  // ------------------------------------------------------------------ 7. the shared pool

  @Test
  void defaultExecutor_thousandBlockedAsyncLoads_useAtMost256Threads() throws Exception {
    Thread testThread = Thread.currentThread();
    CountDownLatch loadsRelease = new CountDownLatch(1);
    MultiLevelCache<String, String> cache =
        build(
            MultiLevelCache.<String, String>builder("bounded")
                .loader(
                    key -> {
                      // A pool that ran a load on its caller would block the test itself.
                      if (Thread.currentThread() != testThread) {
                        loadsRelease.await(30, SECONDS);
                      }
                      return "v-" + key;
                    }));
    List<CompletableFuture<String>> answers = new ArrayList<>();
    long threads;
    try {
      for (int i = 0; i < 1_000; i++) {
        answers.add(cache.getAsync("k" + i));
      }
      threads =
          Thread.getAllStackTraces().keySet().stream()
              .filter(thread -> thread.isAlive() && thread.getName().startsWith("strata-load-"))
              .count();
    } finally {
      loadsRelease.countDown();
    }

    assertThat(threads).as("live strata-load-* threads").isLessThanOrEqualTo(256);
    for (int i = 0; i < answers.size(); i++) {
      assertThat(answers.get(i).get(30, SECONDS)).isEqualTo("v-k" + i);
    }
  }

  @Test
  void loadExecutor_offersNoPublicWayToShutTheSharedPoolDown() throws Exception {
    Class<?> type;
    try {
      type = Class.forName("io.strata.cache.internal.LoadExecutor");
    } catch (ClassNotFoundException gone) {
      return; // no such class: nothing hands the pool out
    }
    for (Method method : type.getMethods()) {
      if (!Modifier.isStatic(method.getModifiers()) || method.getParameterCount() != 0) {
        continue;
      }
      assertThat(ExecutorService.class.isAssignableFrom(method.getReturnType()))
          .as("%s is declared to return an ExecutorService", method)
          .isFalse();
      if (Modifier.isPublic(type.getModifiers())) {
        assertThat(method.invoke(null))
            .as("what %s returns", method)
            .isNotInstanceOf(ExecutorService.class);
      }
    }
  }

  // ------------------------------------------------------------------ 8. putAll and the writer

  @Test
  void putAll_writerFailingOnTheSecondKey_propagates_keepsAcceptedWrites_andForgetsTheFailedKey() {
    Map<String, String> source = new ConcurrentHashMap<>();
    IllegalStateException refused = new IllegalStateException("the source timed out on b");
    Writer<String, String> writer =
        new Writer<>() {
          @Override
          public void write(String key, String value) {
            source.put(key, value); // b reaches the source, then the call fails
            if (key.equals("b") && value.equals("new-b")) {
              throw refused;
            }
          }

          @Override
          public void delete(String key) {
            source.remove(key);
          }
        };
    List<String> loaded = new CopyOnWriteArrayList<>();
    MultiLevelCache<String, String> cache =
        build(
            builder("write-through")
                .executor(Runnable::run)
                .ttl(Duration.ofMinutes(10))
                .tier(InMemoryTier.factory("memory", store, Codec.utf8()))
                .writer(writer)
                .loader(
                    key -> {
                      loaded.add(key);
                      return source.get(key);
                    }));
    cache.put("a", "old-a");
    cache.put("b", "old-b");
    cache.put("c", "old-c");
    Map<String, String> update = new LinkedHashMap<>();
    update.put("a", "new-a");
    update.put("b", "new-b");
    update.put("c", "new-c");

    assertThatThrownBy(() -> cache.putAll(update)).isSameAs(refused);

    SoftAssertions softly = new SoftAssertions();
    softly.assertThat(cache.get("a")).as("a, which the writer accepted").isEqualTo("new-a");
    softly.assertThat(cache.get("b")).as("b, whose write failed: reloaded").isEqualTo("new-b");
    softly.assertThat(cache.get("c")).as("c, never written").isEqualTo("old-c");
    softly.assertThat(loaded).as("keys loaded from the source").containsExactly("b");
    softly.assertAll();
  }

  // ------------------------------------------------------------------ 9. huge durations

  @Test
  void negativeTtlOfAThousandYears_loaderReturningNull_getReturnsNull() {
    AtomicInteger calls = new AtomicInteger();
    MultiLevelCache<String, String> cache =
        build(
            builder("forever-absent")
                .executor(Runnable::run)
                .negativeTtl(THOUSAND_YEARS)
                .loader(
                    key -> {
                      calls.incrementAndGet();
                      return null;
                    }));

    assertThat(cache.get("k")).isNull();
    assertThat(cache.get("k")).isNull();
    assertThat(calls).as("loads of a remembered absence").hasValue(1);
  }

  @Test
  void negativeTtlOfAThousandYears_getAllOfAMissingKey_leavesItOut() {
    MultiLevelCache<String, String> cache =
        build(
            builder("forever-absent")
                .executor(Runnable::run)
                .negativeTtl(THOUSAND_YEARS)
                .loader(key -> key.equals("present") ? "v" : null));

    assertThat(cache.getAll(List.of("present", "missing"))).containsOnly(entry("present", "v"));
  }

  @Test
  void loadTimeoutsOfAThousandYears_loadsWorkNormally() throws Exception {
    AtomicReference<CountDownLatch> armed = new AtomicReference<>(new CountDownLatch(1));
    // The system scheduler, told when a timer is armed so that each load is still running then.
    Scheduler scheduler =
        (delay, task) -> {
          armed.get().countDown();
          return Scheduler.system().schedule(delay, task);
        };
    AtomicInteger calls = new AtomicInteger();
    MultiLevelCache<String, String> cache =
        build(
            builder("patient")
                .executor(pool)
                .scheduler(scheduler)
                .ttl(Duration.ofSeconds(10))
                .staleIfError(Duration.ofMinutes(1))
                .softLoadTimeout(THOUSAND_YEARS)
                .hardLoadTimeout(THOUSAND_YEARS.plusDays(250))
                .loader(
                    key -> {
                      armed.get().await(2, SECONDS); // an engine may arm no timer at all
                      return "v" + calls.incrementAndGet();
                    }));

    assertThat(within("a cold load", () -> cache.get("k"))).isEqualTo("v1");
    armed.set(new CountDownLatch(1));
    ticker.advance(Duration.ofSeconds(15)); // expired, kept for stale-if-error: a soft timer too
    assertThat(within("a reload", () -> cache.get("k"))).isEqualTo("v2");
  }

  @Test
  void localTtlOfAThousandYears_buildsAndServes() {
    MultiLevelCache<String, String> cache =
        build(
            builder("long-local")
                .executor(Runnable::run)
                .localTtl(THOUSAND_YEARS)
                .loader(key -> "v-" + key));

    assertThat(cache.get("k")).isEqualTo("v-k");
    assertThat(cache.lookup("k")).isEqualTo(new Lookup<>("v-k", "local", false));
  }

  // ------------------------------------------------------------------ 10. refused local fill

  @Test
  void refusedLocalFill_doesNotRestartTheLocalTtlCapOfThePutThatWon() throws Exception {
    GatedTier[] gated = new GatedTier[1];
    MultiLevelCache<String, String> cache =
        build(
            builder("capped")
                .executor(Runnable::run)
                .ttl(Duration.ofMinutes(10))
                .localTtl(Duration.ofSeconds(30))
                .tier(gatedFactory(gated))
                .loader(key -> "v1"));
    // While the load stores v1 in the lower tier, another thread puts v2 (t = 0), then 1 s passes
    // before the load reaches the local tier, where its fill is refused.
    CountDownLatch raced = new CountDownLatch(1);
    gated[0].afterPutOf(
        "v1",
        () -> {
          within("the concurrent put", () -> {
            cache.put("k", "v2");
            return null;
          });
          ticker.advance(Duration.ofSeconds(1));
          raced.countDown();
        });

    assertThat(cache.get("k")).isEqualTo("v1");
    assertThat(raced.getCount())
        .as("the put raced the load (the load wrote v1 to the lower tier before its local fill)")
        .isZero();
    ticker.advance(Duration.ofMillis(29_500)); // 30.5 s after the put of v2

    assertThat(cache.lookup("k").tier())
        .as("the tier serving k 30.5 s after its local copy was made, with a 30 s local cap")
        .isNotEqualTo("local");
  }

  @Test
  void refusedLocalFill_byAPutInsideTheLoader_doesNotRestartTheLocalTtlCap() {
    AtomicReference<MultiLevelCache<String, String>> self = new AtomicReference<>();
    AtomicInteger reads = new AtomicInteger();
    MultiLevelCache<String, String> cache =
        build(
            builder("capped")
                .executor(Runnable::run)
                .ttl(Duration.ofMinutes(10))
                .localTtl(Duration.ofSeconds(30))
                .tier(InMemoryTier.factory("memory", store, Codec.utf8()))
                .loader(
                    key -> {
                      if (reads.incrementAndGet() == 1) {
                        self.get().put(key, "v2");
                        ticker.advance(Duration.ofSeconds(1));
                      }
                      return "v1";
                    }));
    self.set(cache);

    assertThat(cache.get("k")).isEqualTo("v1");
    ticker.advance(Duration.ofMillis(29_500)); // 30.5 s after the put of v2
    int lowerReads = store.reads();

    assertThat(cache.lookup("k").tier())
        .as("the tier serving k 30.5 s after its local copy was made, with a 30 s local cap")
        .isNotEqualTo("local");
    assertThat(store.reads()).as("lower-tier reads").isGreaterThan(lowerReads);
  }

  // ------------------------------------------------------------------ 11. soft timeout, not servable

  /** A cache with a 1 s soft and a 1 min hard timeout whose first load answers {@code first}. */
  private MultiLevelCache<String, String> softTimeoutCache(
      ManualScheduler scheduler, Loaded<String> first, CountDownLatch reloadRelease) {
    Loader<String, String> loader =
        new Loader<>() {
          @Override
          public String load(String key) {
            throw new AssertionError("loadEntry is used");
          }

          @Override
          public Loaded<String> loadEntry(String key) {
            return first;
          }

          @Override
          public Loaded<String> reload(String key, CacheEntry<String> previous) throws Exception {
            await(reloadRelease);
            return Loaded.builder("v2").ttl(Duration.ofSeconds(10)).build();
          }
        };
    return build(
        builder("soft")
            .executor(pool)
            .scheduler(scheduler)
            .softLoadTimeout(Duration.ofSeconds(1))
            .hardLoadTimeout(Duration.ofMinutes(1))
            .loader(loader));
  }

  /** Reads k with an expired fallback at hand, fires the soft timeout, then lets the load end. */
  private Lookup<String> readThroughTheSoftTimeout(
      MultiLevelCache<String, String> cache,
      ManualScheduler scheduler,
      CountDownLatch reloadRelease)
      throws Exception {
    int timers = scheduler.scheduled();
    Future<Lookup<String>> caller = pool.submit(() -> cache.lookup("k"));
    scheduler.awaitScheduled(timers + 1);
    scheduler.advance(Duration.ofSeconds(1));
    reloadRelease.countDown();
    return caller.get(BOUND_SECONDS, SECONDS);
  }

  @Test
  void softTimeout_fallbackKeptOnlyForRevalidation_isNotServed_theCallerWaits() throws Exception {
    ManualScheduler scheduler = new ManualScheduler(ticker);
    CountDownLatch reloadRelease = new CountDownLatch(1);
    MultiLevelCache<String, String> cache =
        softTimeoutCache(
            scheduler,
            Loaded.builder("v1")
                .ttl(Duration.ofSeconds(10))
                .etag("\"e1\"")
                .revalidateWithin(Duration.ofHours(1))
                .build(),
            reloadRelease);
    assertThat(cache.get("k")).isEqualTo("v1");
    ticker.advance(Duration.ofSeconds(15));

    Lookup<String> answer = readThroughTheSoftTimeout(cache, scheduler, reloadRelease);

    assertThat(answer).isEqualTo(new Lookup<>("v2", null, false));
  }

  @Test
  void softTimeout_fallbackPastItsStaleIfErrorWindow_isNotServed_theCallerWaits()
      throws Exception {
    ManualScheduler scheduler = new ManualScheduler(ticker);
    CountDownLatch reloadRelease = new CountDownLatch(1);
    MultiLevelCache<String, String> cache =
        softTimeoutCache(
            scheduler,
            Loaded.builder("v1")
                .ttl(Duration.ofSeconds(10))
                .staleIfError(Duration.ofSeconds(5))
                .etag("\"e1\"")
                .revalidateWithin(Duration.ofHours(1))
                .build(),
            reloadRelease);
    assertThat(cache.get("k")).isEqualTo("v1");
    ticker.advance(Duration.ofSeconds(20)); // stale-if-error ended at 15 s

    Lookup<String> answer = readThroughTheSoftTimeout(cache, scheduler, reloadRelease);

    assertThat(answer).isEqualTo(new Lookup<>("v2", null, false));
  }

  @Test
  void softTimeout_fallbackWithinStaleIfError_isStillServed() throws Exception {
    ManualScheduler scheduler = new ManualScheduler(ticker);
    CountDownLatch reloadRelease = new CountDownLatch(1);
    MultiLevelCache<String, String> cache =
        softTimeoutCache(
            scheduler,
            Loaded.builder("v1")
                .ttl(Duration.ofSeconds(10))
                .staleIfError(Duration.ofMinutes(1))
                .build(),
            reloadRelease);
    assertThat(cache.get("k")).isEqualTo("v1");
    ticker.advance(Duration.ofSeconds(15));

    Lookup<String> answer = readThroughTheSoftTimeout(cache, scheduler, reloadRelease);

    assertThat(answer).isEqualTo(new Lookup<>("v1", "local", true));
  }

  // ------------------------------------------------------------------ 12. close

  @Test
  void close_loadInFlight_doesNotFillTheLocalTierAfterwards() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch loadRelease = new CountDownLatch(1);
    MultiLevelCache<String, String> cache =
        build(
            builder("closing")
                .executor(Runnable::run)
                .loader(
                    key -> {
                      entered.countDown();
                      await(loadRelease);
                      return "late";
                    }));
    MultiLevelCache.Advanced<String, String> advanced = cache.advanced();
    Future<String> reading = pool.submit(() -> cache.get("k"));
    assertThat(entered.await(BOUND_SECONDS, SECONDS)).isTrue();

    cache.close();
    loadRelease.countDown();
    catchThrowable(() -> reading.get(BOUND_SECONDS, SECONDS)); // an answer or a "closed" error

    assertThat(reading).isDone();
    assertThat(advanced.estimatedLocalSize()).as("local entries after close").isZero();
  }

  @Test
  void close_asyncLoadInFlight_doesNotFillTheLocalTierAfterwards() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch loadRelease = new CountDownLatch(1);
    MultiLevelCache<String, String> cache =
        build(
            builder("closing")
                .executor(pool)
                .loader(
                    key -> {
                      entered.countDown();
                      await(loadRelease);
                      return "late";
                    }));
    MultiLevelCache.Advanced<String, String> advanced = cache.advanced();
    CompletableFuture<String> reading = cache.getAsync("k");
    assertThat(entered.await(BOUND_SECONDS, SECONDS)).isTrue();

    cache.close();
    loadRelease.countDown();
    reading.handle((value, error) -> null).get(BOUND_SECONDS, SECONDS);

    assertThat(advanced.estimatedLocalSize()).as("local entries after close").isZero();
  }

  // ------------------------------------------------------------------ helpers

  private static Thread daemon(Runnable task) {
    Thread thread = new Thread(task, "engine-regression-test");
    thread.setDaemon(true);
    return thread;
  }

  /** Waits for {@code latch} inside a loader or a tier; bounded, so that a bug cannot hang. */
  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(6 * BOUND_SECONDS, SECONDS)) {
        throw new AssertionError("the test never released a latch");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Runs {@code task} on another thread and waits for it, failing if it blocks. */
  private <T> T within(String what, Callable<T> task) {
    Future<T> future = pool.submit(task);
    try {
      return future.get(BOUND_SECONDS, SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError(what + " did not return within " + BOUND_SECONDS + " s (blocked)");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw new IllegalStateException(cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * A factory of {@link GatedTier}s over an {@link InMemoryTier} on {@link #store} that tells no
   * one of changes (a tier without notifications); the tier is left in {@code holder[0]}.
   */
  private TierFactory<String, String> gatedFactory(GatedTier[] holder) {
    TierFactory<String, String> memory = InMemoryTier.factory("memory", store, Codec.utf8());
    return context -> {
      GatedTier tier = new GatedTier(memory.create(silent(context)));
      holder[0] = tier;
      return tier;
    };
  }

  private static TierContext<String> silent(TierContext<String> context) {
    InvalidationSink<String> nobody =
        new InvalidationSink<>() {
          @Override
          public void invalidate(Collection<? extends String> keys) {}

          @Override
          public void invalidateAll(String reason) {}

          @Override
          public void suspend(String reason) {}

          @Override
          public void resume() {}

          @Override
          public void recovered() {}
        };
    return new TierContext<>() {
      @Override
      public String cacheName() {
        return context.cacheName();
      }

      @Override
      public Ticker ticker() {
        return context.ticker();
      }

      @Override
      public Executor executor() {
        return context.executor();
      }

      @Override
      public InvalidationSink<String> invalidations() {
        return nobody;
      }

      @Override
      public CacheObserver observer() {
        return context.observer();
      }
    };
  }

  /** A one-shot meeting point: the tier says it got there, then waits for the test. */
  static final class Gate {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    void pass() {
      entered.countDown();
      await(release);
    }
  }

  /**
   * A lower tier that delegates to another and can hold the next write (before it reaches the
   * delegate) or the next read (after it did), or run a hook after storing a given value.
   */
  static final class GatedTier extends ForwardingTier<String, String> {
    private final AtomicReference<@Nullable Gate> beforeWrite = new AtomicReference<>();
    private final AtomicReference<@Nullable Gate> afterRead = new AtomicReference<>();
    private final AtomicReference<Map.@Nullable Entry<String, Runnable>> afterPut =
        new AtomicReference<>();

    GatedTier(CacheTier<String, String> delegate) {
      super(delegate);
    }

    Gate holdNextWrite() {
      Gate gate = new Gate();
      beforeWrite.set(gate);
      return gate;
    }

    Gate holdNextRead() {
      Gate gate = new Gate();
      afterRead.set(gate);
      return gate;
    }

    void afterPutOf(String value, Runnable hook) {
      afterPut.set(Map.entry(value, hook));
    }

    private void beforeWrite() {
      Gate gate = beforeWrite.getAndSet(null);
      if (gate != null) {
        gate.pass();
      }
    }

    private void afterRead() {
      Gate gate = afterRead.getAndSet(null);
      if (gate != null) {
        gate.pass();
      }
    }

    @Override
    public @Nullable CacheEntry<String> get(String key) {
      CacheEntry<String> entry = super.get(key);
      afterRead();
      return entry;
    }

    @Override
    public Map<String, CacheEntry<String>> getAll(Collection<? extends String> keys) {
      Map<String, CacheEntry<String>> found = super.getAll(keys);
      afterRead();
      return found;
    }

    @Override
    public void put(String key, CacheEntry<String> entry) {
      beforeWrite();
      super.put(key, entry);
      afterPut(entry);
    }

    @Override
    public java.util.Set<String> putLeased(
        Map<? extends String, CacheEntry<String>> entries,
        Map<? extends String, io.strata.cache.TierLease<String>> leases) {
      beforeWrite();
      java.util.Set<String> refused = super.putLeased(entries, leases);
      entries.forEach(
          (key, entry) -> {
            if (!refused.contains(key)) {
              afterPut(entry);
            }
          });
      return refused;
    }

    private void afterPut(CacheEntry<String> entry) {
      Map.Entry<String, Runnable> hook = afterPut.get();
      if (hook != null && hook.getKey().equals(entry.value()) && afterPut.compareAndSet(hook, null)) {
        hook.getValue().run();
      }
    }

    @Override
    public void putAll(Map<? extends String, CacheEntry<String>> entries) {
      if (entries.size() == 1) {
        entries.forEach(this::put);
        return;
      }
      beforeWrite();
      super.putAll(entries);
    }

    @Override
    public void invalidate(String key) {
      beforeWrite();
      super.invalidate(key);
    }
  }
}
