package io.strata.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.cache.codec.Codec;
import io.strata.cache.testkit.FakeTicker;
import io.strata.cache.testkit.ForwardingTier;
import io.strata.cache.testkit.InMemoryTier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CoalescingTest {

  /** A bound on every wait, so that a bug fails the test instead of hanging it. */
  private static final long BOUND_SECONDS = 30;

  private final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void stopPool() {
    pool.shutdownNow();
  }

  private static CountDownLatch countingWaits(MultiLevelCache<?, ?> cache, int waits) {
    CountDownLatch latch = new CountDownLatch(waits);
    cache.advanced().addObserver(new CacheObserver() {
      @Override
      public void coalescedWait() {
        latch.countDown();
      }
    });
    return latch;
  }

  /** A cache over a shared tier whose leased stores wait for {@code storeMay} (a slow Redis). */
  private static MultiLevelCache<String, String> slowStoring(
      InMemoryTier.Store store,
      CountDownLatch storing,
      CountDownLatch storeMay,
      Loader<String, String> loader,
      java.util.concurrent.Executor executor) {
    // As the Redis tier delivers: not its own writes' pushes, so the loader keeps its copy.
    TierFactory<String, String> memory =
        InMemoryTier.factory("remote", store, Codec.utf8(), InMemoryTier.Echo.OTHERS_ONLY);
    return MultiLevelCache.<String, String>builder("cold")
        .executor(executor)
        .tier(
            context ->
                new ForwardingTier<>(memory.create(context)) {
                  @Override
                  public Set<String> putLeased(
                      Map<? extends String, CacheEntry<String>> entries,
                      Map<? extends String, TierLease<String>> leases) {
                    storing.countDown();
                    await(storeMay);
                    return super.putLeased(entries, leases);
                  }
                })
        .loader(loader)
        .build();
  }

  @Test
  void waitersOfAColdKey_areAnsweredBeforeTheStoreBelowEnds_andLateReadersJoinTheAnsweredLoad()
      throws Exception {
    CountDownLatch loading = new CountDownLatch(1);
    CountDownLatch loaderMay = new CountDownLatch(1);
    CountDownLatch storing = new CountDownLatch(1);
    CountDownLatch storeMay = new CountDownLatch(1);
    AtomicInteger loads = new AtomicInteger();
    InMemoryTier.Store store = new InMemoryTier.Store();
    Loader<String, String> loader =
        key -> {
          loads.incrementAndGet();
          loading.countDown();
          await(loaderMay);
          return "v";
        };
    try (MultiLevelCache<String, String> cache =
        slowStoring(store, storing, storeMay, loader, pool)) {
      CountDownLatch waiting = countingWaits(cache, 1);
      Future<String> leader = pool.submit(() -> cache.get("k"));
      await(loading);
      Future<String> waiter = pool.submit(() -> cache.get("k"));
      await(waiting);

      loaderMay.countDown();
      await(storing);

      assertThat(waiter.get(BOUND_SECONDS, TimeUnit.SECONDS)).isEqualTo("v");
      assertThat(pool.submit(() -> cache.get("k")).get(BOUND_SECONDS, TimeUnit.SECONDS))
          .as("a reader after the answer, while the store is under way")
          .isEqualTo("v");
      assertThat(cache.getIfPresent("k")).as("a peek while the store is under way").isEqualTo("v");
      assertThat(cache.getAll(List.of("k"))).containsEntry("k", "v");
      assertThat(store.size()).as("nothing stored yet").isZero();
      assertThat(leader).as("the leader stores on its own thread").isNotDone();
      storeMay.countDown();
      assertThat(leader.get(BOUND_SECONDS, TimeUnit.SECONDS)).isEqualTo("v");
      assertThat(loads).as("the late readers joined the answered load").hasValue(1);
      assertThat(store.size()).isOne();
      assertThat(cache.lookup("k").tier()).isEqualTo("local");
    }
  }

  @Test
  void anAsyncCaller_whoseLoadRunsOnTheExecutor_isAnsweredOnlyOnceItsLoadIsStored()
      throws Exception {
    CountDownLatch storing = new CountDownLatch(1);
    CountDownLatch storeMay = new CountDownLatch(1);
    InMemoryTier.Store store = new InMemoryTier.Store();
    try (MultiLevelCache<String, String> cache =
        slowStoring(store, storing, storeMay, key -> "v", pool)) {
      CompletableFuture<String> started = cache.getAsync("k");
      await(storing);

      assertThat(started).as("its own load is not stored yet").isNotDone();
      storeMay.countDown();
      assertThat(started.get(BOUND_SECONDS, TimeUnit.SECONDS)).isEqualTo("v");
      // Read your own load: the same caller's next read finds it in the local tier.
      assertThat(cache.lookup("k").tier()).isEqualTo("local");
    }
  }

  @Test
  void aReaderAfterTheAnsweredEntryExpired_whileItIsStillBeingStored_loadsAgain()
      throws Exception {
    CountDownLatch storing = new CountDownLatch(1);
    CountDownLatch storeMay = new CountDownLatch(1);
    AtomicInteger loads = new AtomicInteger();
    FakeTicker ticker = new FakeTicker();
    InMemoryTier.Store store = new InMemoryTier.Store();
    TierFactory<String, String> memory =
        InMemoryTier.factory("remote", store, Codec.utf8(), InMemoryTier.Echo.OTHERS_ONLY);
    try (MultiLevelCache<String, String> cache =
        MultiLevelCache.<String, String>builder("expiring")
            .ticker(ticker)
            .ttl(Duration.ofSeconds(1))
            .tier(
                context ->
                    new ForwardingTier<>(memory.create(context)) {
                      @Override
                      public Set<String> putLeased(
                          Map<? extends String, CacheEntry<String>> entries,
                          Map<? extends String, TierLease<String>> leases) {
                        if (loads.get() == 1) {
                          storing.countDown();
                          await(storeMay);
                        }
                        return super.putLeased(entries, leases);
                      }
                    })
            .loader(key -> "v" + loads.incrementAndGet())
            .build()) {
      Future<String> first = pool.submit(() -> cache.get("k"));
      await(storing);
      assertThat(cache.getIfPresent("k")).as("fresh while stored").isEqualTo("v1");

      ticker.advance(Duration.ofSeconds(2));

      assertThat(cache.getIfPresent("k")).as("a peek after it expired").isNull();
      assertThat(cache.get("k")).as("a read after it expired").isEqualTo("v2");
      storeMay.countDown();
      assertThat(first.get(BOUND_SECONDS, TimeUnit.SECONDS)).isEqualTo("v1");
      assertThat(loads).hasValue(2);
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      assertThat(latch.await(BOUND_SECONDS, TimeUnit.SECONDS)).isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Test
  void thousandConcurrentGetsOfAColdKey_callTheLoaderOnce_andAllGetTheSameValue() throws Exception {
    int callers = 1_000;
    AtomicInteger loads = new AtomicInteger();
    CountDownLatch[] allWaiting = new CountDownLatch[1];
    try (MultiLevelCache<String, Object> cache =
        MultiLevelCache.<String, Object>builder("cold")
            .loader(
                key -> {
                  loads.incrementAndGet();
                  // Hold the load until every other caller has joined it.
                  assertThat(allWaiting[0].await(BOUND_SECONDS, TimeUnit.SECONDS)).isTrue();
                  return new Object();
                })
            .build()) {
      allWaiting[0] = countingWaits(cache, callers - 1);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Object>> results = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  return cache.get("key");
                }));
      }
      start.countDown();

      Object first = results.get(0).get(BOUND_SECONDS, TimeUnit.SECONDS);
      for (Future<Object> result : results) {
        assertThat(result.get(BOUND_SECONDS, TimeUnit.SECONDS)).isSameAs(first);
      }
      assertThat(loads).hasValue(1);
      assertThat(cache.stats().loadSuccessCount()).isEqualTo(1);
    }
  }

  /**
   * A caller that missed the local tier just before another caller's load filled it, and claims
   * the key just after that load ended, reads the fill instead of loading again. The observer's
   * local-miss event sits between the two steps: there, the first caller waits for a whole load
   * of "key" by another thread. Without a tier below, and with one (whose lease would find the
   * stored value too, so the walks of it are counted: one per key).
   */
  @Test
  void aCallerWhoMissedJustBeforeALoadEnded_readsItsFill_insteadOfLoadingAgain() throws Exception {
    assertLoadEndingBetweenMissAndClaim(false, cache -> cache.get("key"), "v1", 1);
  }

  @Test
  void aCallerWhoMissedJustBeforeALoadEnded_readsItsFill_andWalksNoTierBelow() throws Exception {
    assertLoadEndingBetweenMissAndClaim(true, cache -> cache.get("key"), "v1", 1);
  }

  /** The bulk read takes the fill of "key" and loads "other", which nobody filled. */
  @Test
  void aBulkCallerWhoMissedJustBeforeALoadEnded_readsItsFill_andLoadsOnlyTheRest()
      throws Exception {
    assertLoadEndingBetweenMissAndClaim(
        false,
        cache -> cache.getAll(List.of("key", "other")),
        Map.of("key", "v1", "other", "v2"),
        2);
  }

  /** The bulk read takes the fill of "key", and "other" from the tier below, where it was put. */
  @Test
  void aBulkCallerWhoMissedJustBeforeALoadEnded_readsItsFill_andWalksOnlyTheRest()
      throws Exception {
    assertLoadEndingBetweenMissAndClaim(
        true,
        cache -> cache.getAll(List.of("key", "other")),
        Map.of("key", "v1", "other", "stored"),
        1);
  }

  private void assertLoadEndingBetweenMissAndClaim(
      boolean tierBelow,
      java.util.function.Function<MultiLevelCache<String, String>, Object> read,
      Object expected,
      int expectedLoads)
      throws Exception {
    AtomicInteger loads = new AtomicInteger();
    AtomicInteger lowerReadsOfKey = new AtomicInteger();
    // A key the walk found needs no lease: the lease would find it again, one round trip later.
    AtomicInteger leasesOfOther = new AtomicInteger();
    InMemoryTier.Store store = new InMemoryTier.Store();
    TierFactory<String, String> memory =
        InMemoryTier.factory("remote", store, Codec.utf8(), InMemoryTier.Echo.OTHERS_ONLY);
    MultiLevelCacheBuilder<String, String> builder =
        MultiLevelCache.<String, String>builder("race").loader(key -> "v" + loads.incrementAndGet());
    if (tierBelow) {
      builder.tier(
          context ->
              new ForwardingTier<>(memory.create(context)) {
                @Override
                public CacheEntry<String> get(String key) {
                  lowerReadsOfKey.addAndGet(key.equals("key") ? 1 : 0);
                  return super.get(key);
                }

                @Override
                public Map<String, CacheEntry<String>> getAll(
                    java.util.Collection<? extends String> keys) {
                  lowerReadsOfKey.addAndGet(keys.contains("key") ? 1 : 0);
                  return super.getAll(keys);
                }

                @Override
                public Map<String, TierLease<String>> lease(
                    java.util.Collection<? extends String> keys, boolean refresh) {
                  leasesOfOther.addAndGet(keys.contains("other") ? 1 : 0);
                  return super.lease(keys, refresh);
                }
              });
      try (MultiLevelCache<String, String> anotherInstance =
          MultiLevelCache.<String, String>builder("race").tier(memory).build()) {
        anotherInstance.put("other", "stored");
      }
    }
    try (MultiLevelCache<String, String> cache = builder.build()) {
      Thread first = Thread.currentThread();
      java.util.concurrent.atomic.AtomicReference<Future<String>> other =
          new java.util.concurrent.atomic.AtomicReference<>();
      cache.advanced().addObserver(new CacheObserver() {
        @Override
        public void tierMiss(String tier) {
          if (Thread.currentThread() == first && other.get() == null) {
            other.set(pool.submit(() -> cache.get("key")));
            try {
              assertThat(other.get().get(BOUND_SECONDS, TimeUnit.SECONDS)).isEqualTo("v1");
            } catch (Exception e) {
              throw new AssertionError(e);
            }
          }
        }
      });

      assertThat(read.apply(cache)).isEqualTo(expected);
      assertThat(other.get()).as("the other caller's load ran inside the miss").isNotNull();
      assertThat(loads).hasValue(expectedLoads);
      assertThat(lowerReadsOfKey)
          .as("walks of the tier below for \"key\"")
          .hasValue(tierBelow ? 1 : 0);
      assertThat(leasesOfOther).as("leases taken for \"other\", found by the walk").hasValue(0);
    }
  }

  @Test
  void concurrentMisses_allSeeTheSameException_andItIsNotCached() throws Exception {
    int callers = 10;
    RuntimeException failure = new IllegalStateException("source down");
    AtomicInteger loads = new AtomicInteger();
    CountDownLatch[] allWaiting = new CountDownLatch[1];
    try (MultiLevelCache<String, String> cache =
        MultiLevelCache.<String, String>builder("failing")
            .loader(
                key -> {
                  if (loads.incrementAndGet() == 1) {
                    allWaiting[0].await(BOUND_SECONDS, TimeUnit.SECONDS);
                    throw failure;
                  }
                  return "recovered";
                })
            .build()) {
      allWaiting[0] = countingWaits(cache, callers - 1);
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        results.add(pool.submit(() -> cache.get("key")));
      }
      for (Future<String> result : results) {
        assertThatThrownBy(() -> result.get(BOUND_SECONDS, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class)
            .cause()
            .isSameAs(failure);
      }
      assertThat(loads).hasValue(1);
      assertThat(cache.get("key")).isEqualTo("recovered");
    }
  }

  @Test
  void aSlowLoadOfOneKey_neverDelaysGetsOfOtherKeys() throws Exception {
    CountDownLatch slowLoadEntered = new CountDownLatch(1);
    CountDownLatch releaseSlowLoad = new CountDownLatch(1);
    try (MultiLevelCache<String, String> cache =
        MultiLevelCache.<String, String>builder("slow")
            .loader(
                key -> {
                  if (key.equals("A")) {
                    slowLoadEntered.countDown();
                    // Stands for a 5 s upstream call: held until the test lets it go.
                    releaseSlowLoad.await(BOUND_SECONDS, TimeUnit.SECONDS);
                  }
                  return key.toLowerCase();
                })
            .build()) {
      Future<String> slow = pool.submit(() -> cache.get("A"));
      assertThat(slowLoadEntered.await(BOUND_SECONDS, TimeUnit.SECONDS)).isTrue();

      List<Future<String>> others = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        String key = "B" + i;
        others.add(pool.submit(() -> cache.get(key)));
      }
      for (int i = 0; i < 100; i++) {
        assertThat(others.get(i).get(BOUND_SECONDS, TimeUnit.SECONDS)).isEqualTo("b" + i);
      }
      assertThat(slow).isNotDone();

      releaseSlowLoad.countDown();
      assertThat(slow.get(BOUND_SECONDS, TimeUnit.SECONDS)).isEqualTo("a");
    }
  }

  @Test
  void cancellingOneWaiter_neverCancelsTheSharedLoad() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger loads = new AtomicInteger();
    try (MultiLevelCache<String, String> cache =
        MultiLevelCache.<String, String>builder("cancel")
            .executor(pool)
            .loader(
                key -> {
                  loads.incrementAndGet();
                  release.await(BOUND_SECONDS, TimeUnit.SECONDS);
                  return "value";
                })
            .build()) {
      CompletableFuture<String> cancelled = cache.getAsync("key");
      CompletableFuture<String> patient = cache.getAsync("key");

      assertThat(cancelled.cancel(true)).isTrue();
      release.countDown();

      assertThat(patient.get(BOUND_SECONDS, TimeUnit.SECONDS)).isEqualTo("value");
      assertThat(cache.get("key")).isEqualTo("value");
      assertThat(loads).hasValue(1);
    }
  }

  @Test
  void getAll_coalescesPerKey_withLoadsUnderWay() throws Exception {
    CountDownLatch bulkEntered = new CountDownLatch(1);
    CountDownLatch releaseBulk = new CountDownLatch(1);
    List<Set<String>> bulkCalls = new java.util.concurrent.CopyOnWriteArrayList<>();
    AtomicInteger singleLoads = new AtomicInteger();
    Loader<String, String> loader =
        new Loader<>() {
          @Override
          public String load(String key) {
            singleLoads.incrementAndGet();
            return key + "!";
          }

          @Override
          public Map<String, String> loadAll(Set<? extends String> keys) throws Exception {
            bulkCalls.add(Set.copyOf(keys));
            if (keys.contains("a")) {
              bulkEntered.countDown();
              releaseBulk.await(BOUND_SECONDS, TimeUnit.SECONDS);
            }
            Map<String, String> result = new HashMap<>();
            keys.forEach(k -> result.put(k, k + "!"));
            return result;
          }
        };
    try (MultiLevelCache<String, String> cache =
        MultiLevelCache.<String, String>builder("bulk").loader(loader).build()) {
      CountDownLatch waits = countingWaits(cache, 2);
      Future<Map<String, String>> first = pool.submit(() -> cache.getAll(List.of("a", "b", "c")));
      assertThat(bulkEntered.await(BOUND_SECONDS, TimeUnit.SECONDS)).isTrue();

      Future<String> single = pool.submit(() -> cache.get("b"));
      Future<Map<String, String>> second = pool.submit(() -> cache.getAll(List.of("c", "d")));
      // "d" is loaded by the second getAll on its own; "b" and "c" wait for the first.
      assertThat(waits.await(BOUND_SECONDS, TimeUnit.SECONDS)).isTrue();
      releaseBulk.countDown();

      assertThat(first.get(BOUND_SECONDS, TimeUnit.SECONDS)).containsOnlyKeys("a", "b", "c");
      assertThat(single.get(BOUND_SECONDS, TimeUnit.SECONDS)).isEqualTo("b!");
      assertThat(second.get(BOUND_SECONDS, TimeUnit.SECONDS))
          .containsOnly(Map.entry("c", "c!"), Map.entry("d", "d!"));
      assertThat(bulkCalls).containsExactlyInAnyOrder(Set.of("a", "b", "c"), Set.of("d"));
      assertThat(singleLoads).hasValue(0);
    }
  }

  @Test
  void refresh_reloadsInTheBackground_andStoresTheNewValue() throws Exception {
    AtomicInteger version = new AtomicInteger();
    try (MultiLevelCache<String, String> cache =
        MultiLevelCache.<String, String>builder("refresh")
            .executor(Runnable::run)
            .ttl(Duration.ofMinutes(1))
            .loader(key -> key + version.incrementAndGet())
            .build()) {
      assertThat(cache.get("k")).isEqualTo("k1");

      assertThat(cache.advanced().refresh("k").get(BOUND_SECONDS, TimeUnit.SECONDS)).isEqualTo("k2");
      assertThat(cache.get("k")).isEqualTo("k2");
    }
  }

  @Test
  void refresh_whenTheSourceNoLongerHasTheKey_removesTheEntry() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    try (MultiLevelCache<String, String> cache =
        MultiLevelCache.<String, String>builder("gone")
            .executor(Runnable::run)
            .loader(key -> calls.incrementAndGet() == 1 ? "v" : null)
            .build()) {
      assertThat(cache.get("k")).isEqualTo("v");

      assertThat(cache.advanced().refresh("k").get(BOUND_SECONDS, TimeUnit.SECONDS)).isNull();
      assertThat(cache.getIfPresent("k")).isNull();
    }
  }

  @Test
  void aSlowAsyncLoad_withTheDefaultExecutor_neverDelaysOtherKeys() throws Exception {
    CountDownLatch releaseSlowLoad = new CountDownLatch(1);
    CountDownLatch slowLoadEntered = new CountDownLatch(1);
    try (MultiLevelCache<String, String> cache =
        MultiLevelCache.<String, String>builder("slowAsync")
            .loader(
                key -> {
                  if (key.equals("A")) {
                    slowLoadEntered.countDown();
                    releaseSlowLoad.await(BOUND_SECONDS, TimeUnit.SECONDS);
                  }
                  return key.toLowerCase();
                })
            .build()) {
      CompletableFuture<String> slow = cache.getAsync("A");
      assertThat(slowLoadEntered.await(BOUND_SECONDS, TimeUnit.SECONDS)).isTrue();

      List<CompletableFuture<String>> others = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        others.add(cache.getAsync("B" + i));
      }
      for (int i = 0; i < 100; i++) {
        assertThat(others.get(i).get(BOUND_SECONDS, TimeUnit.SECONDS)).isEqualTo("b" + i);
      }
      assertThat(slow).isNotDone();

      releaseSlowLoad.countDown();
      assertThat(slow.get(BOUND_SECONDS, TimeUnit.SECONDS)).isEqualTo("a");
    }
  }
}
