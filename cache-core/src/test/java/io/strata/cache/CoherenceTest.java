package io.strata.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.cache.codec.Codec;
import io.strata.cache.testkit.FakeTicker;
import io.strata.cache.testkit.ForwardingTier;
import io.strata.cache.testkit.InMemoryTier;
import io.strata.cache.testkit.ManualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Queue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The orderings that keep the tiers coherent with each other and with the source, each driven
 * deterministically: a load that read the source before a change finishes while the change is
 * written, a read that began during a write fills the local tier after it, a flush races a load.
 * Latches order the threads; every wait is bounded.
 */
class CoherenceTest {

  private static final long BOUND = 5;

  private final FakeTicker ticker = new FakeTicker();
  private final InMemoryTier.Store store = new InMemoryTier.Store();
  private final ExecutorService pool = Executors.newCachedThreadPool();
  private final List<MultiLevelCache<String, String>> caches = new ArrayList<>();

  @AfterEach
  void stop() {
    caches.forEach(MultiLevelCache::close);
    pool.shutdownNow();
  }

  private MultiLevelCache<String, String> build(MultiLevelCacheBuilder<String, String> builder) {
    MultiLevelCache<String, String> cache = builder.build();
    caches.add(cache);
    return cache;
  }

  private MultiLevelCacheBuilder<String, String> builder() {
    return MultiLevelCache.<String, String>builder("coherent")
        .ticker(ticker)
        .executor(Runnable::run)
        .ttl(Duration.ofMinutes(10));
  }

  private static void await(CountDownLatch latch) {
    try {
      assertThat(latch.await(BOUND, TimeUnit.SECONDS)).as("a bounded wait").isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static <T> T done(Future<T> future) throws Exception {
    return future.get(BOUND, TimeUnit.SECONDS);
  }

  /** A loader that answers "old" once it is let go, telling when it has read the source. */
  private static final class HeldLoader implements Loader<String, String> {
    final CountDownLatch reading = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger calls = new AtomicInteger();
    volatile String answer = "old";

    @Override
    public String load(String key) {
      String value = answer;
      if (calls.incrementAndGet() == 1) {
        reading.countDown();
        await(release);
      }
      return value;
    }
  }

  /**
   * A tier over the shared store whose next invalidate or invalidateAll stops after its I/O. It
   * does not echo this instance's own changes, so what is tested is the cache's own fencing.
   */
  private TierFactory<String, String> holdingAfterDelete(
      CountDownLatch deleted, CountDownLatch proceed, boolean leases) {
    TierFactory<String, String> memory =
        InMemoryTier.factory("memory", store, Codec.utf8(), InMemoryTier.Echo.OTHERS_ONLY);
    return context ->
        new ForwardingTier<>(memory.create(context)) {
          @Override
          public Map<String, TierLease<String>> lease(
              Collection<? extends String> keys, boolean refresh) {
            return leases ? super.lease(keys, refresh) : Map.of();
          }

          @Override
          public void invalidate(String key) {
            super.invalidate(key);
            deleted.countDown();
            await(proceed);
          }

          @Override
          public void invalidateAll() {
            super.invalidateAll();
            deleted.countDown();
            await(proceed);
          }
        };
  }

  // ------------------------------------------------------------ loads racing changes

  // Each with a tier that leases (its lease alone refuses the old load) and one that does not
  // (only the cache's own fencing does).
  @ParameterizedTest(name = "leases: {0}")
  @ValueSource(booleans = {true, false})
  void aLoadFinishingWhileAnInvalidationIsWrittenBelow_neverWritesItsOldValueThere(boolean leases)
      throws Exception {
    CountDownLatch deleted = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    HeldLoader loader = new HeldLoader();
    MultiLevelCache<String, String> cache =
        build(builder().tier(holdingAfterDelete(deleted, proceed, leases)).loader(loader));

    Future<String> load = pool.submit(() -> cache.get("k"));
    await(loader.reading);
    Future<?> invalidation = pool.submit(() -> cache.invalidate("k"));
    await(deleted);
    loader.release.countDown();
    assertThat(done(load)).isEqualTo("old"); // its caller asked before the change
    proceed.countDown();
    done(invalidation);

    assertThat(store.size()).as("entries left below by the old load").isZero();
    loader.answer = "new";
    assertThat(cache.get("k")).isEqualTo("new");
  }

  @ParameterizedTest(name = "leases: {0}")
  @ValueSource(booleans = {true, false})
  void aLoadFinishingWhileAFlushIsWrittenBelow_neverWritesItsOldValueThere(boolean leases)
      throws Exception {
    CountDownLatch deleted = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    HeldLoader loader = new HeldLoader();
    MultiLevelCache<String, String> cache =
        build(builder().tier(holdingAfterDelete(deleted, proceed, leases)).loader(loader));

    Future<String> load = pool.submit(() -> cache.get("k"));
    await(loader.reading);
    Future<?> flush = pool.submit(cache::invalidateAll);
    await(deleted);
    loader.release.countDown();
    done(load);
    proceed.countDown();
    done(flush);

    assertThat(store.size()).as("entries left below by the old load").isZero();
    assertThat(cache.advanced().estimatedLocalSize()).isZero();
  }

  @ParameterizedTest(name = "leases: {0}")
  @ValueSource(booleans = {true, false})
  void aLoadThatReadBeforeAPut_neverOverwritesThePutBelow(boolean leases) throws Exception {
    CountDownLatch written = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    HeldLoader loader = new HeldLoader();
    TierFactory<String, String> memory =
        InMemoryTier.factory("memory", store, Codec.utf8(), InMemoryTier.Echo.OTHERS_ONLY);
    AtomicBoolean holdPut = new AtomicBoolean(true);
    MultiLevelCache<String, String> cache =
        build(
            builder()
                .tier(
                    context ->
                        new ForwardingTier<>(memory.create(context)) {
                          @Override
                          public Map<String, TierLease<String>> lease(
                              Collection<? extends String> keys, boolean refresh) {
                            return leases ? super.lease(keys, refresh) : Map.of();
                          }

                          @Override
                          public void put(String key, CacheEntry<String> entry) {
                            super.put(key, entry);
                            if ("new".equals(entry.value()) && holdPut.getAndSet(false)) {
                              written.countDown();
                              await(proceed);
                            }
                          }
                        })
                .loader(loader));

    Future<String> load = pool.submit(() -> cache.get("k"));
    await(loader.reading);
    Future<?> put = pool.submit(() -> cache.put("k", "new"));
    await(written);
    loader.release.countDown();
    done(load);
    proceed.countDown();
    done(put);

    assertThat(cache.get("k")).isEqualTo("new");
    MultiLevelCache<String, String> other = build(builder().tier(memory));
    assertThat(other.getIfPresent("k")).as("what another instance reads below").isEqualTo("new");
  }

  @Test
  void aLoadUnderWayWhenTheCacheIsFlushed_neverFillsTheLocalTier() throws Exception {
    HeldLoader loader = new HeldLoader();
    MultiLevelCache<String, String> cache = build(builder().loader(loader));

    Future<String> load = pool.submit(() -> cache.get("k"));
    await(loader.reading);
    cache.invalidateAll();
    loader.release.countDown();
    done(load);

    assertThat(cache.advanced().estimatedLocalSize()).isZero();
  }

  // ------------------------------------------------------------ who joins what

  @Test
  void afterInvalidateAll_aReadDoesNotJoinALoadBegunBefore() throws Exception {
    HeldLoader loader = new HeldLoader();
    MultiLevelCache<String, String> cache = build(builder().loader(loader));

    Future<String> first = pool.submit(() -> cache.get("k"));
    await(loader.reading);
    cache.invalidateAll();
    loader.answer = "new";
    Future<String> second = pool.submit(() -> cache.get("k"));

    assertThat(done(second)).isEqualTo("new");
    loader.release.countDown();
    assertThat(done(first)).isEqualTo("old");
    assertThat(loader.calls).hasValue(2);
  }

  @Test
  void afterPut_aReadDoesNotJoinALoadBegunBefore() throws Exception {
    HeldLoader loader = new HeldLoader();
    // Too heavy for the local tier, so the read after the put goes below, where the put wrote.
    MultiLevelCache<String, String> cache =
        build(
            builder()
                .maximumWeight(1_000, (key, value) -> value.length())
                .maximumValueWeight(3)
                .tier(
                    InMemoryTier.factory(
                        "memory", store, Codec.utf8(), InMemoryTier.Echo.OTHERS_ONLY))
                .loader(loader));

    Future<String> first = pool.submit(() -> cache.get("k"));
    await(loader.reading);
    cache.put("k", "newer");
    Future<String> second = pool.submit(() -> cache.get("k"));

    assertThat(done(second)).isEqualTo("newer");
    loader.release.countDown();
    done(first);
    assertThat(cache.get("k")).isEqualTo("newer");
  }

  @Test
  void aLostInvalidationChannel_flushesButKeepsTheLoadUnderWayJoinable() throws Exception {
    AtomicReference<InvalidationSink<String>> sink = new AtomicReference<>();
    HeldLoader loader = new HeldLoader();
    TierFactory<String, String> memory = InMemoryTier.factory("memory", store, Codec.utf8());
    MultiLevelCache<String, String> cache =
        build(
            builder()
                .tier(
                    context -> {
                      sink.set(context.invalidations());
                      return memory.create(context);
                    })
                .loader(loader));

    CountDownLatch joined = new CountDownLatch(1);
    cache.advanced().addObserver(new CacheObserver() {
      @Override
      public void coalescedWait() {
        joined.countDown();
      }
    });
    Future<String> first = pool.submit(() -> cache.get("k"));
    await(loader.reading);
    sink.get().suspend("disconnect"); // nothing is known to have changed
    Future<String> second = pool.submit(() -> cache.get("k"));
    await(joined);
    loader.release.countDown();

    assertThat(done(first)).isEqualTo("old");
    assertThat(done(second)).isEqualTo("old");
    assertThat(loader.calls).as("loads while the channel was lost").hasValue(1);
  }

  // ------------------------------------------------------------ reads racing writes

  /**
   * A weigher that, once armed, holds the first weighing of {@code value}: the local tier weighs
   * a value before it stores it, so this stops a read between reading a lower tier and filling.
   */
  private static final class HoldingWeigher implements Weigher<String, String> {
    final CountDownLatch held = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicReference<@Nullable String> armedFor = new AtomicReference<>();

    @Override
    public int weigh(String key, String value) {
      String armed = armedFor.get();
      if (value.equals(armed) && armedFor.compareAndSet(armed, null)) {
        held.countDown();
        await(release);
      }
      return 1;
    }
  }

  @Test
  void aReadThatReadTheOldValueDuringAFailedPut_neverFillsTheLocalTierAfterIt() throws Exception {
    HoldingWeigher weigher = new HoldingWeigher();
    CountDownLatch putStarted = new CountDownLatch(1);
    CountDownLatch failPut = new CountDownLatch(1);
    TierFactory<String, String> memory =
        InMemoryTier.factory("memory", store, Codec.utf8(), InMemoryTier.Echo.OTHERS_ONLY);
    MultiLevelCache<String, String> cache =
        build(
            builder()
                .maximumWeight(1_000, weigher)
                .maximumValueWeight(100)
                .tier(
                    context ->
                        new ForwardingTier<>(memory.create(context)) {
                          @Override
                          public void put(String key, CacheEntry<String> entry) {
                            if ("new".equals(entry.value())) {
                              putStarted.countDown();
                              await(failPut);
                              throw new IllegalStateException("lower tier down");
                            }
                            super.put(key, entry);
                          }
                        }));
    MultiLevelCache<String, String> other = build(builder().tier(memory));
    other.put("k", "old");

    Future<?> put = pool.submit(() -> cache.put("k", "new"));
    await(putStarted);
    weigher.armedFor.set("old");
    Future<String> read = pool.submit(() -> cache.getIfPresent("k")); // reads "old" below
    await(weigher.held);
    failPut.countDown();
    done(put);
    weigher.release.countDown();
    assertThat(done(read)).isEqualTo("old"); // it began before the put ended

    assertThat(cache.advanced().estimatedLocalSize())
        .as("old value filled locally after the failed put")
        .isZero();
  }

  @Test
  void aReadThatReadTheOldValueDuringAFlush_neverFillsTheLocalTierAfterIt() throws Exception {
    HoldingWeigher weigher = new HoldingWeigher();
    CountDownLatch flushing = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    TierFactory<String, String> memory =
        InMemoryTier.factory("memory", store, Codec.utf8(), InMemoryTier.Echo.OTHERS_ONLY);
    MultiLevelCache<String, String> cache =
        build(
            builder()
                .maximumWeight(1_000, weigher)
                .maximumValueWeight(100)
                .tier(
                    context ->
                        new ForwardingTier<>(memory.create(context)) {
                          @Override
                          public void invalidateAll() {
                            flushing.countDown();
                            await(proceed);
                            super.invalidateAll();
                          }
                        }));
    MultiLevelCache<String, String> other = build(builder().tier(memory));
    other.put("k", "old");

    Future<?> flush = pool.submit(cache::invalidateAll);
    await(flushing);
    weigher.armedFor.set("old");
    Future<String> read = pool.submit(() -> cache.getIfPresent("k"));
    await(weigher.held);
    proceed.countDown();
    done(flush);
    weigher.release.countDown();
    assertThat(done(read)).isEqualTo("old");

    assertThat(cache.advanced().estimatedLocalSize())
        .as("old value filled locally after the flush")
        .isZero();
  }

  // ------------------------------------------------------------ where values land

  @Test
  void aHitInTheSecondLowerTier_isPromotedIntoTheFirstAndTheLocalTier() {
    InMemoryTier.Store disk = new InMemoryTier.Store();
    InMemoryTier.Echo noLoop = InMemoryTier.Echo.OTHERS_ONLY;
    MultiLevelCache<String, String> writer =
        build(builder().tier(InMemoryTier.factory("disk", disk, Codec.utf8(), noLoop)));
    writer.put("k", "v");
    MultiLevelCache<String, String> cache =
        build(
            builder()
                .tier(InMemoryTier.factory("memory", store, Codec.utf8(), noLoop))
                .tier(InMemoryTier.factory("disk", disk, Codec.utf8(), noLoop))
                .loader(key -> "loaded"));

    assertThat(cache.lookup("k").tier()).isEqualTo("disk");

    assertThat(store.size()).as("entries promoted into the first lower tier").isEqualTo(1);
    assertThat(cache.lookup("k").tier()).isEqualTo("local");
  }

  @Test
  void aLoadedValueWithNoLifetime_isAnsweredButStoredNowhere() {
    MultiLevelCache<String, String> cache =
        build(
            MultiLevelCache.<String, String>builder("zero")
                .ticker(ticker)
                .executor(Runnable::run)
                .ttlPolicy(TtlPolicy.fromHint(Duration.ofMinutes(1), Duration.ZERO, Duration.ofHours(1)))
                .tier(InMemoryTier.factory("memory", store, Codec.utf8()))
                .loader(
                    new Loader<>() {
                      @Override
                      public String load(String key) {
                        return "v";
                      }

                      @Override
                      public Loaded<String> loadEntry(String key) {
                        return Loaded.builder("v").ttlHint(Duration.ZERO).build();
                      }
                    }));

    assertThat(cache.get("k")).isEqualTo("v");

    assertThat(store.size()).isZero();
    assertThat(cache.advanced().estimatedLocalSize()).isZero();
  }

  @Test
  void aPutWithNoLifetime_forgetsTheKeyEverywhere() {
    MultiLevelCache<String, String> cache =
        build(
            MultiLevelCache.<String, String>builder("zero")
                .ticker(ticker)
                .executor(Runnable::run)
                .ttlPolicy(
                    TtlPolicy.of((key, value) -> value.equals("gone") ? Duration.ZERO : Duration.ofMinutes(1)))
                .tier(InMemoryTier.factory("memory", store, Codec.utf8())));
    cache.put("k", "v");

    cache.put("k", "gone");

    assertThat(store.size()).isZero();
    assertThat(cache.getIfPresent("k")).isNull();
  }

  @Test
  void atTheEndOfItsStaleWhileRevalidateWindow_aLowerTierEntryIsNoLongerServed() {
    AtomicInteger loads = new AtomicInteger();
    MultiLevelCache<String, String> cache =
        build(
            builder()
                .localTtl(Duration.ofSeconds(1))
                .staleWhileRevalidate(Duration.ofSeconds(5))
                .staleIfError(Duration.ofMinutes(1)) // kept below past the window
                .tier(InMemoryTier.factory("memory", store, Codec.utf8()))
                .loader(key -> "v" + loads.incrementAndGet()));
    cache.get("k");

    ticker.advance(Duration.ofMinutes(10).plusSeconds(5)); // exactly the end of the window

    assertThat(cache.lookup("k")).isEqualTo(new Lookup<>("v2", null, false));
  }

  @Test
  void aLowerTierEntryServedWhileRevalidating_isPromotedForTheReadsUntilTheReloadEnds() {
    Queue<Runnable> background = new ConcurrentLinkedQueue<>();
    AtomicInteger loads = new AtomicInteger();
    MultiLevelCache<String, String> cache =
        build(
            MultiLevelCache.<String, String>builder("swr")
                .ticker(ticker)
                .executor(background::add)
                .ttl(Duration.ofMinutes(10))
                .localTtl(Duration.ofSeconds(1))
                .staleWhileRevalidate(Duration.ofMinutes(1))
                .tier(
                    InMemoryTier.factory(
                        "memory", store, Codec.utf8(), InMemoryTier.Echo.OTHERS_ONLY))
                .loader(key -> "v" + loads.incrementAndGet()));
    cache.getAsync("k");
    background.poll().run();
    ticker.advance(Duration.ofMinutes(10).plusSeconds(1));

    assertThat(cache.lookup("k")).isEqualTo(new Lookup<>("v1", "memory", true));
    assertThat(cache.lookup("k")).isEqualTo(new Lookup<>("v1", "local", true));
    background.forEach(Runnable::run);
    assertThat(cache.lookup("k")).isEqualTo(new Lookup<>("v2", "local", false));
  }

  @Test
  void aSingleKeyIsReadAndWrittenWithGetAndPut_andManyWithOneGetAllAndPutAll() {
    List<CacheObserver.Operation> operations = new CopyOnWriteArrayList<>();
    MultiLevelCache<String, String> cache =
        build(builder().tier(InMemoryTier.factory("memory", store, Codec.utf8())).loader(k -> k));
    cache.advanced().addObserver(new CacheObserver() {
      @Override
      public void tierLatency(String tier, Operation operation, long nanos) {
        operations.add(operation);
      }
    });

    cache.getIfPresent("a");
    cache.get("a");
    cache.getAll(List.of("b", "c"));

    assertThat(operations)
        .containsExactly(
            CacheObserver.Operation.GET, // the peek
            CacheObserver.Operation.GET, // the load's walk
            CacheObserver.Operation.LEASE, // the load's lease
            CacheObserver.Operation.PUT, // the load's write
            CacheObserver.Operation.GET_ALL,
            CacheObserver.Operation.LEASE,
            CacheObserver.Operation.PUT_ALL);
  }

  @Test
  void aTierThatCannotHearChangesFromItsStart_keepsTheLocalTierEmptyUntilItResumes() {
    AtomicReference<InvalidationSink<String>> sink = new AtomicReference<>();
    TierFactory<String, String> memory = InMemoryTier.factory("memory", store, Codec.utf8());
    MultiLevelCache<String, String> cache =
        build(
            builder()
                .tier(
                    context -> {
                      // As a Redis tier does while its first connection is being made.
                      context.invalidations().suspend("connecting");
                      sink.set(context.invalidations());
                      return memory.create(context);
                    })
                .loader(key -> "v"));

    cache.get("k");
    assertThat(cache.advanced().estimatedLocalSize()).isZero();
    sink.get().resume();
    cache.get("k");
    assertThat(cache.lookup("k").tier()).isEqualTo("local");
  }

  /** A cache named "soft" whose loads answer "v2" once released, past a soft timeout of 1 s. */
  private MultiLevelCache<String, String> softTimed(
      ManualScheduler scheduler, TierFactory<String, String> tier, CountDownLatch release) {
    return build(
        stale(MultiLevelCache.<String, String>builder("soft"))
            .executor(pool)
            .scheduler(scheduler)
            .softLoadTimeout(Duration.ofSeconds(1))
            .tier(tier)
            .loader(
                key -> {
                  await(release);
                  return "v2";
                }));
  }

  /** Another instance of "soft" that writes "v1" for {@code key} to the shared tier only. */
  private void writeOnlyBelow(TierFactory<String, String> tier, String key) {
    build(stale(MultiLevelCache.<String, String>builder("soft")).executor(Runnable::run).tier(tier))
        .put(key, "v1");
  }

  private MultiLevelCacheBuilder<String, String> stale(MultiLevelCacheBuilder<String, String> b) {
    return b.ticker(ticker).ttl(Duration.ofMinutes(1)).staleIfError(Duration.ofHours(1));
  }

  @Test
  void theSoftTimeout_answersWithTheExpiredEntryTheLoadFoundBelow() throws Exception {
    ManualScheduler scheduler = new ManualScheduler(ticker);
    CountDownLatch release = new CountDownLatch(1);
    TierFactory<String, String> memory = InMemoryTier.factory("memory", store, Codec.utf8());
    MultiLevelCache<String, String> cache = softTimed(scheduler, memory, release);
    writeOnlyBelow(memory, "k"); // this cache has no local copy to fall back on
    ticker.advance(Duration.ofMinutes(2));

    Future<Lookup<String>> read = pool.submit(() -> cache.lookup("k"));
    scheduler.awaitScheduled(1);
    scheduler.advance(Duration.ofSeconds(1));

    assertThat(done(read)).isEqualTo(new Lookup<>("v1", "memory", true));
    release.countDown();
  }

  @Test
  void aSoftTimeoutBeforeTheWalkEnds_answersWithWhatTheWalkFinds() throws Exception {
    ManualScheduler scheduler = new ManualScheduler(ticker);
    CountDownLatch reading = new CountDownLatch(1);
    CountDownLatch finishRead = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean slowRead = new AtomicBoolean(false);
    TierFactory<String, String> memory = InMemoryTier.factory("memory", store, Codec.utf8());
    MultiLevelCache<String, String> cache =
        softTimed(
            scheduler,
            context ->
                new ForwardingTier<>(memory.create(context)) {
                  @Override
                  public @Nullable CacheEntry<String> get(String key) {
                    CacheEntry<String> entry = super.get(key);
                    if (slowRead.getAndSet(false)) {
                      reading.countDown();
                      await(finishRead);
                    }
                    return entry;
                  }
                },
            release);
    writeOnlyBelow(memory, "k");
    ticker.advance(Duration.ofMinutes(2));
    slowRead.set(true);

    Future<Lookup<String>> read = pool.submit(() -> cache.lookup("k"));
    await(reading);
    scheduler.awaitScheduled(1);
    scheduler.advance(Duration.ofSeconds(1)); // the deadline passes while the walk still reads
    finishRead.countDown();

    assertThat(done(read)).isEqualTo(new Lookup<>("v1", "memory", true));
    release.countDown();
  }

  @Test
  void inStrictMode_aBulkLoadTheSharedTierFailsToTake_isNotKeptLocally() {
    MultiLevelCache<String, String> cache =
        build(
            builder()
                .strictCoherence()
                .tier(InMemoryTier.factory("memory", store, Codec.utf8()))
                .loader(key -> key + "!"));
    store.failWith(new IllegalStateException("shared tier down"));

    assertThat(cache.getAll(List.of("a", "b"))).containsOnlyKeys("a", "b");

    assertThat(cache.advanced().estimatedLocalSize()).isZero();
  }

  // ------------------------------------------------------------ failures leave nothing claimed

  @Test
  void aRefreshWhoseTtlPolicyThrows_failsItsFuture_andLeavesTheKeyUnclaimed() throws Exception {
    AtomicBoolean broken = new AtomicBoolean(false);
    MultiLevelCache<String, String> cache =
        build(
            MultiLevelCache.<String, String>builder("policy")
                .ticker(ticker)
                .executor(Runnable::run)
                .ttlPolicy(
                    TtlPolicy.of(
                        (key, value) -> {
                          if (broken.get()) {
                            throw new IllegalStateException("policy bug");
                          }
                          return Duration.ofMinutes(1);
                        }))
                .loader(key -> "v"));
    cache.get("k");
    broken.set(true);

    assertThatThrownBy(() -> cache.advanced().refresh("k").join())
        .hasRootCauseMessage("policy bug");
    broken.set(false);

    assertThat(cache.advanced().refresh("k").get(BOUND, TimeUnit.SECONDS)).isEqualTo("v");
  }

  @Test
  void aTtlPolicyThatThrows_failsTheRead_andLeavesTheKeyUnclaimed() throws Exception {
    AtomicBoolean broken = new AtomicBoolean(true);
    MultiLevelCache<String, String> cache =
        build(
            MultiLevelCache.<String, String>builder("policy")
                .ticker(ticker)
                .executor(Runnable::run)
                .ttlPolicy(
                    TtlPolicy.of(
                        (key, value) -> {
                          if (broken.get()) {
                            throw new IllegalStateException("policy bug");
                          }
                          return Duration.ofMinutes(1);
                        }))
                .loader(key -> "v"));

    assertThatThrownBy(() -> cache.get("k")).hasMessage("policy bug");
    broken.set(false);

    assertThat(done(pool.submit(() -> cache.get("k")))).isEqualTo("v");
  }

  @Test
  void anExecutorThatRejects_failsTheAsyncRead_andLeavesTheKeyUnclaimed() throws Exception {
    AtomicBoolean rejecting = new AtomicBoolean(true);
    MultiLevelCache<String, String> cache =
        build(
            MultiLevelCache.<String, String>builder("rejected")
                .ticker(ticker)
                .ttl(Duration.ofMinutes(1))
                .executor(
                    task -> {
                      if (rejecting.get()) {
                        throw new RejectedExecutionException("full");
                      }
                      task.run();
                    })
                .loader(key -> "v"));

    assertThatThrownBy(() -> cache.getAsync("k").join())
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(RejectedExecutionException.class);
    rejecting.set(false);

    assertThat(cache.getAsync("k").get(BOUND, TimeUnit.SECONDS)).isEqualTo("v");
  }

  @Test
  void aLoaderCallingGetAllWithItsOwnKey_failsFast_andLeavesTheOtherKeysUnclaimed()
      throws Exception {
    AtomicReference<MultiLevelCache<String, String>> self = new AtomicReference<>();
    MultiLevelCache<String, String> cache =
        build(
            builder()
                .loader(
                    key -> key.equals("a") ? self.get().getAll(List.of("b", "a")).get("b") : key + "!"));
    self.set(cache);

    assertThatThrownBy(() -> cache.get("a")).isInstanceOf(IllegalStateException.class);

    assertThat(done(pool.submit(() -> cache.get("b")))).isEqualTo("b!");
  }

  @Test
  void aPlainLoaderFailingOneKey_failsOnlyThatKeyOfAGetAll() {
    MultiLevelCache<String, String> cache =
        build(
            builder()
                .loader(
                    key -> {
                      if (key.equals("bad")) {
                        throw new IllegalStateException("no " + key);
                      }
                      return key + "!";
                    }));

    assertThatThrownBy(() -> cache.getAll(List.of("a", "bad"))).hasMessage("no bad");

    assertThat(cache.getIfPresent("a")).as("the key that loaded").isEqualTo("a!");
  }

  @Test
  void aBulkLoaderFailing_failsEveryKeyOfItsCall() {
    AtomicInteger bulkCalls = new AtomicInteger();
    MultiLevelCache<String, String> cache =
        build(
            builder()
                .loader(
                    new Loader<>() {
                      @Override
                      public String load(String key) {
                        return key + "!";
                      }

                      @Override
                      public Map<String, String> loadAll(Set<? extends String> keys) {
                        bulkCalls.incrementAndGet();
                        throw new IllegalStateException("batch down");
                      }
                    }));

    assertThatThrownBy(() -> cache.getAll(List.of("a", "b"))).hasMessage("batch down");

    assertThat(bulkCalls).hasValue(1);
    assertThat(cache.getIfPresent("a")).isNull();
  }
}
