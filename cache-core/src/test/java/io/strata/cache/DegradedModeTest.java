package io.strata.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.cache.codec.Codec;
import io.strata.cache.testkit.FakeTicker;
import io.strata.cache.testkit.ForwardingTier;
import io.strata.cache.testkit.InMemoryTier;
import io.strata.cache.testkit.ManualScheduler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Degraded mode: while a lower tier cannot hear of changes or cannot serve, the local tier keeps
 * shielding the source within the staleness bound, changes the tier did not take are journaled and
 * replayed as invalidations when it recovers, and strict mode keeps the old bypass. Time is a
 * {@link FakeTicker}; the executor runs replays on the calling thread.
 */
class DegradedModeTest {

  private static final Duration LOCAL_TTL = Duration.ofSeconds(30);

  private final FakeTicker ticker = new FakeTicker();
  private final ManualScheduler scheduler = new ManualScheduler(ticker);
  private final InMemoryTier.Store store = new InMemoryTier.Store();
  private final AtomicInteger loads = new AtomicInteger();
  private final AtomicReference<String> source = new AtomicReference<>("v1");

  /** One instance of a service: a cache over the shared store, loading from {@link #source}. */
  private MultiLevelCacheBuilder<String, String> instance() {
    return MultiLevelCache.<String, String>builder("users")
        .ticker(ticker)
        .scheduler(scheduler)
        .executor(Runnable::run)
        .ttl(Duration.ofMinutes(10))
        .localTtl(LOCAL_TTL)
        .tier(InMemoryTier.factory("redis", store, Codec.utf8()))
        .loader(
            key -> {
              loads.incrementAndGet();
              return source.get();
            });
  }

  /** An instance whose tier reports its sink to {@code sink} and fails while {@code down} is set. */
  private MultiLevelCacheBuilder<String, String> instance(
      AtomicReference<InvalidationSink<String>> sink, AtomicBoolean down) {
    TierFactory<String, String> memory = InMemoryTier.factory("redis", store, Codec.utf8());
    return MultiLevelCache.<String, String>builder("users")
        .ticker(ticker)
        .scheduler(scheduler)
        .executor(Runnable::run)
        .ttl(Duration.ofMinutes(10))
        .localTtl(LOCAL_TTL)
        .loader(
            key -> {
              loads.incrementAndGet();
              return source.get();
            })
        .tier(
            context -> {
              sink.set(context.invalidations());
              return new FailingWhileDown(memory.create(context), down);
            });
  }

  // ---------------------------------------------------------------- cannot hear

  @Test
  void whileTheTierCannotHear_theLocalTierKeepsServing_andFillsAgain_thenFlushesOnResume() {
    AtomicReference<InvalidationSink<String>> sink = new AtomicReference<>();
    try (MultiLevelCache<String, String> cache =
        instance(sink, new AtomicBoolean()).build()) {
      cache.get("held");
      cache.get("held"); // the write's echo evicted the writer's copy: promoted now
      assertThat(cache.lookup("held").tier()).isEqualTo("local");

      sink.get().suspend("disconnect");

      assertThat(cache.lookup("held").tier()).as("kept").isEqualTo("local");
      assertThat(cache.get("new")).isEqualTo("v1");
      cache.get("new");
      assertThat(cache.lookup("new").tier()).as("filled while unheard").isEqualTo("local");

      sink.get().resume();

      assertThat(cache.advanced().estimatedLocalSize()).as("flushed: it may have missed a change").isZero();
      assertThat(cache.lookup("held").tier()).isEqualTo("redis");
      assertThat(cache.lookup("held").tier()).as("fills again").isEqualTo("local");
    }
  }

  @Test
  void aBoundShorterThanTheLocalTtl_flushesOnSuspend_andCapsWhatFillsMeanwhile() {
    AtomicReference<InvalidationSink<String>> sink = new AtomicReference<>();
    try (MultiLevelCache<String, String> cache =
        instance(sink, new AtomicBoolean()).degradedLocalTtl(Duration.ofSeconds(2)).build()) {
      cache.get("k");
      cache.get("k");
      assertThat(cache.lookup("k").tier()).isEqualTo("local");

      sink.get().suspend("disconnect");

      assertThat(cache.lookup("k").tier()).as("flushed: older than the bound allows").isEqualTo("redis");
      assertThat(cache.lookup("k").tier()).as("filled again, capped").isEqualTo("local");
      ticker.advance(Duration.ofMillis(1_999));
      assertThat(cache.lookup("k").tier()).isEqualTo("local");
      ticker.advance(Duration.ofMillis(1));
      assertThat(cache.lookup("k").tier()).as("past the bound").isEqualTo("redis");
    }
  }

  @Test
  void outsideAnOutage_theBoundCapsNothing() {
    try (MultiLevelCache<String, String> cache =
        instance().degradedLocalTtl(Duration.ofSeconds(2)).build()) {
      cache.get("k");
      cache.get("k");
      ticker.advance(Duration.ofSeconds(29));

      assertThat(cache.lookup("k").tier()).isEqualTo("local");
    }
  }

  @Test
  void inStrictMode_whileTheTierCannotHear_everyReadReachesTheTierOrTheSource() {
    AtomicReference<InvalidationSink<String>> sink = new AtomicReference<>();
    AtomicBoolean down = new AtomicBoolean();
    try (MultiLevelCache<String, String> cache =
        instance(sink, down).strictCoherence().build()) {
      sink.get().suspend("disconnect");
      down.set(true);

      for (int i = 0; i < 10; i++) {
        assertThat(cache.get("k")).isEqualTo("v1");
      }

      assertThat(loads).hasValue(10);
      assertThat(cache.advanced().estimatedLocalSize()).isZero();
    }
  }

  @Test
  void resume_liftsTheBound_forWhatIsStoredAfter() {
    AtomicReference<InvalidationSink<String>> sink = new AtomicReference<>();
    try (MultiLevelCache<String, String> cache =
        instance(sink, new AtomicBoolean()).degradedLocalTtl(Duration.ofSeconds(2)).build()) {
      sink.get().suspend("disconnect");
      sink.get().resume();

      cache.get("k");
      cache.get("k");
      ticker.advance(Duration.ofSeconds(29));

      assertThat(cache.lookup("k").tier()).isEqualTo("local");
    }
  }

  @Test
  void resume_replaysWhatTheTierMissed_withoutAnyOtherCall() {
    AtomicReference<InvalidationSink<String>> sink = new AtomicReference<>();
    AtomicBoolean down = new AtomicBoolean();
    try (MultiLevelCache<String, String> cache = instance(sink, down).build()) {
      cache.put("k", "v1");
      sink.get().suspend("disconnect");
      down.set(true);
      cache.invalidate("k");
      down.set(false);

      sink.get().resume();

      assertThat(store.size()).isZero();
    }
  }

  @Test
  void aTierBelowAnotherThatHearsAgain_flushesTheTierAboveIt_too() {
    AtomicReference<InvalidationSink<String>> lowerSink = new AtomicReference<>();
    InMemoryTier.Store upperStore = new InMemoryTier.Store();
    TierFactory<String, String> lowest = InMemoryTier.factory("redis", store, Codec.utf8());
    try (MultiLevelCache<String, String> cache =
        MultiLevelCache.<String, String>builder("users")
            .ticker(ticker)
            .executor(Runnable::run)
            .tier(InMemoryTier.factory("disk", upperStore, Codec.utf8(), InMemoryTier.Echo.OTHERS_ONLY))
            .tier(
                context -> {
                  lowerSink.set(context.invalidations());
                  return lowest.create(context);
                })
            .loader(key -> source.get())
            .build()) {
      cache.put("k", "v1");
      assertThat(upperStore.size()).isOne();
      lowerSink.get().suspend("disconnect");

      lowerSink.get().resume();

      assertThat(upperStore.size()).as("may have missed a change: flushed").isZero();
    }
  }

  @Test
  void inStrictMode_whenAllWorks_loadsAndPutsAreKeptLocally() {
    try (MultiLevelCache<String, String> cache =
        MultiLevelCache.<String, String>builder("users")
            .ticker(ticker)
            .executor(Runnable::run)
            .strictCoherence()
            .tier(InMemoryTier.factory("redis", store, Codec.utf8(), InMemoryTier.Echo.OTHERS_ONLY))
            .loader(key -> source.get())
            .build()) {
      cache.get("loaded");
      cache.put("put", "p");
      cache.getAll(List.of("bulk1", "bulk2"));

      assertThat(cache.lookup("bulk1")).isEqualTo(new Lookup<>("v1", "local", false));
      assertThat(cache.lookup("loaded")).isEqualTo(new Lookup<>("v1", "local", false));
      assertThat(cache.lookup("put")).isEqualTo(new Lookup<>("p", "local", false));
    }
  }

  // ---------------------------------------------------------------- cannot serve

  @Test
  void whileTheTierFails_aHotKeyIsLoadedOncePerBound_andCallersSeeNoException() {
    AtomicReference<InvalidationSink<String>> sink = new AtomicReference<>();
    AtomicBoolean down = new AtomicBoolean();
    try (MultiLevelCache<String, String> cache =
        instance(sink, down).degradedLocalTtl(Duration.ofSeconds(5)).build()) {
      down.set(true);
      sink.get().suspend("disconnect");

      for (int second = 0; second < 10; second++) {
        for (int read = 0; read < 10; read++) {
          assertThat(cache.get("hot")).isEqualTo("v1");
        }
        ticker.advance(Duration.ofSeconds(1));
      }

      assertThat(loads).as("one load per 5 s bound in 10 s").hasValue(2);
    }
  }

  @Test
  void aFailedFillIsKeptLocally_onlyWithinTheBound_andRecoveryLiftsTheCap() {
    AtomicReference<InvalidationSink<String>> sink = new AtomicReference<>();
    AtomicBoolean down = new AtomicBoolean(true);
    try (MultiLevelCache<String, String> cache =
        instance(sink, down).degradedLocalTtl(Duration.ofSeconds(5)).build()) {
      cache.get("k"); // Redis failed to take it: kept here, capped
      ticker.advance(Duration.ofSeconds(5));
      assertThat(cache.lookup("k").tier()).isNull(); // loaded again

      down.set(false);
      sink.get().recovered();
      cache.get("other"); // written to Redis: a normal entry, kept for the local TTL
      cache.get("other");
      ticker.advance(Duration.ofSeconds(29));

      assertThat(cache.lookup("other").tier()).isEqualTo("local");
    }
  }

  // ---------------------------------------------------------------- no lost change

  @Test
  void aPutTheTierDidNotTake_isServedLocally_thenReplayedAsAnInvalidationOnRecovery() {
    AtomicReference<InvalidationSink<String>> sinkA = new AtomicReference<>();
    AtomicBoolean downA = new AtomicBoolean();
    List<String> events = new CopyOnWriteArrayList<>();
    try (MultiLevelCache<String, String> a = instance(sinkA, downA).build();
        MultiLevelCache<String, String> b = instance().build()) {
      a.advanced().addObserver(recorder(events));
      b.get("k");
      b.get("k");
      assertThat(b.lookup("k")).isEqualTo(new Lookup<>("v1", "local", false));

      downA.set(true);
      source.set("v2");
      a.put("k", "v2"); // acknowledged; Redis did not take it

      assertThat(a.lookup("k")).isEqualTo(new Lookup<>("v2", "local", false));
      assertThat(events).containsExactly("deferred(redis)");

      downA.set(false);
      sinkA.get().recovered();

      assertThat(events).containsExactly("deferred(redis)", "replayed(redis, 1)");
      assertThat(store.size()).as("Redis no longer holds the replaced value").isZero();
      assertThat(b.get("k")).isEqualTo("v2");
      assertThat(a.get("k")).isEqualTo("v2");
    }
  }

  @Test
  void aPutTheTierDidNotTake_onAnInstanceWithNoMoreTraffic_isReplayedOnTheScheduler() {
    AtomicReference<InvalidationSink<String>> sinkA = new AtomicReference<>();
    AtomicBoolean downA = new AtomicBoolean();
    List<String> events = new CopyOnWriteArrayList<>();
    try (MultiLevelCache<String, String> a = instance(sinkA, downA).build();
        MultiLevelCache<String, String> b = instance().build()) {
      a.advanced().addObserver(recorder(events));
      b.get("k");
      downA.set(true);
      source.set("v2");
      a.put("k", "v2"); // one write failed; the tier never says it recovered, A is called no more
      downA.set(false);

      scheduler.advance(Duration.ofMillis(999));
      assertThat(store.size()).as("before the first retry").isOne();
      scheduler.advance(Duration.ofMillis(1));

      assertThat(events).containsExactly("deferred(redis)", "replayed(redis, 1)");
      assertThat(store.size()).as("Redis no longer holds the replaced value").isZero();
      assertThat(b.get("k")).isEqualTo("v2");
    }
  }

  @Test
  void whileTheTierReportsItselfDown_noRetryCallsIt_andOnceItIsUpOneReplays() {
    List<String> events = new CopyOnWriteArrayList<>();
    try (MultiLevelCache<String, String> a = instance().build()) {
      a.advanced().addObserver(recorder(events));
      a.put("k", "v1");
      store.failWith(new TierUnavailableException("down on purpose", null)); // health DOWN too
      a.put("k", "v2");

      scheduler.advance(Duration.ofSeconds(1));
      assertThat(events).as("no call, so no second deferral").containsExactly("deferred(redis)");

      store.failWith(null);
      scheduler.advance(Duration.ofSeconds(2));
      assertThat(events).containsExactly("deferred(redis)", "replayed(redis, 1)");
      assertThat(store.size()).isZero();
    }
  }

  @Test
  void aClosedCache_replaysNothingMore() {
    AtomicReference<InvalidationSink<String>> sinkA = new AtomicReference<>();
    AtomicBoolean downA = new AtomicBoolean();
    MultiLevelCache<String, String> a = instance(sinkA, downA).build();
    a.put("k", "v1");
    downA.set(true);
    a.put("k", "v2");
    downA.set(false);

    a.close();
    scheduler.advance(Duration.ofMinutes(1));

    assertThat(store.size()).as("no replay into the closed tier").isOne();
  }

  @Test
  void anInvalidateTheTierDidNotTake_isAppliedLocally_andTheTierIsNotReadForThatKeyUntilReplayed() {
    AtomicReference<InvalidationSink<String>> sink = new AtomicReference<>();
    AtomicBoolean down = new AtomicBoolean();
    try (MultiLevelCache<String, String> a = instance(sink, down).build();
        MultiLevelCache<String, String> b = instance().build()) {
      a.get("k");
      a.get("k");
      b.get("k");
      down.set(true);
      source.set("v2");

      a.invalidate("k");

      assertThat(store.size()).isOne();
      assertThat(a.lookup("k")).as("loaded, not Redis's v1").isEqualTo(new Lookup<>("v2", null, false));

      down.set(false);
      a.get("other"); // the first call that works replays the journal

      assertThat(store.size()).as("only 'other': k was replayed away").isOne();
      assertThat(b.get("k")).as("the replay's echo reached the other instance").isEqualTo("v2");
    }
  }

  @Test
  void aJournalThatOverflows_isReplayedAsOneFlushOfTheTier() {
    AtomicReference<InvalidationSink<String>> sink = new AtomicReference<>();
    AtomicBoolean down = new AtomicBoolean();
    List<String> events = new CopyOnWriteArrayList<>();
    try (MultiLevelCache<String, String> a = instance(sink, down).outageJournalCapacity(2).build();
        MultiLevelCache<String, String> b = instance().build()) {
      a.advanced().addObserver(recorder(events));
      b.put("untouched", "u");
      down.set(true);

      a.put("x", "1");
      a.put("y", "2");
      assertThat(store.size()).isEqualTo(1);
      a.invalidate("z"); // a third key: past the capacity

      down.set(false);
      sink.get().recovered();

      assertThat(store.size()).as("the whole cache was invalidated in the tier").isZero();
      assertThat(events).endsWith("replayed(redis, 1)");
      assertThat(b.lookup("untouched").tier()).as("loaded again").isNull();
    }
  }

  @Test
  void aFailedInvalidateAll_isReplayedOnRecovery() {
    AtomicReference<InvalidationSink<String>> sink = new AtomicReference<>();
    AtomicBoolean down = new AtomicBoolean();
    try (MultiLevelCache<String, String> cache = instance(sink, down).build()) {
      cache.put("k", "v");
      down.set(true);

      cache.invalidateAll();
      assertThat(cache.lookup("k").tier()).as("not local, not read below").isNull();

      down.set(false);
      sink.get().recovered();

      assertThat(store.size()).isZero();
    }
  }

  @Test
  void aReplayThatFailsAgain_keepsWhatItCouldNotReplay_forTheNextRecovery() {
    AtomicReference<InvalidationSink<String>> sink = new AtomicReference<>();
    AtomicBoolean down = new AtomicBoolean();
    try (MultiLevelCache<String, String> cache = instance(sink, down).build()) {
      cache.put("k", "v1");
      down.set(true);
      cache.put("k", "v2");

      sink.get().recovered(); // still down: the replay fails and keeps the key
      assertThat(store.size()).isOne();
      assertThat(cache.lookup("k")).isEqualTo(new Lookup<>("v2", "local", false));

      down.set(false);
      sink.get().recovered();

      assertThat(store.size()).isZero();
    }
  }

  @Test
  void valuesKeptLocallyThatTheTierDidNotTake_areFlushedOnceItRecovers() {
    AtomicReference<InvalidationSink<String>> sink = new AtomicReference<>();
    AtomicBoolean down = new AtomicBoolean();
    List<String> flushes = new CopyOnWriteArrayList<>();
    try (MultiLevelCache<String, String> cache = instance(sink, down).build()) {
      cache.advanced().addObserver(
          new CacheObserver() {
            @Override
            public void flush(String tier, String reason) {
              flushes.add(reason);
            }
          });
      down.set(true);
      cache.get("loaded");
      cache.put("put", "p");
      assertThat(cache.lookup("loaded").tier()).isEqualTo("local");
      assertThat(cache.lookup("put").tier()).isEqualTo("local");

      down.set(false);
      sink.get().recovered();

      assertThat(cache.advanced().estimatedLocalSize()).as("this instance's alone: gone").isZero();
      assertThat(flushes).containsExactly("recovered");
      sink.get().recovered(); // nothing failed since: no second flush
      assertThat(flushes).containsExactly("recovered");
    }
  }

  @Test
  void aBulkLoadTheTierDidNotTake_isFlushedOnceItRecovers() {
    AtomicReference<InvalidationSink<String>> sink = new AtomicReference<>();
    AtomicBoolean down = new AtomicBoolean(true);
    try (MultiLevelCache<String, String> cache = instance(sink, down).build()) {
      cache.getAll(List.of("a", "b")); // one putAll below, which fails
      assertThat(cache.advanced().estimatedLocalSize()).isEqualTo(2);

      down.set(false);
      sink.get().recovered();

      assertThat(cache.advanced().estimatedLocalSize()).isZero();
    }
  }

  @Test
  void recovered_whenNothingFailed_doesNothing() {
    AtomicReference<InvalidationSink<String>> sink = new AtomicReference<>();
    try (MultiLevelCache<String, String> cache = instance(sink, new AtomicBoolean()).build()) {
      cache.put("k", "v");

      sink.get().recovered();

      assertThat(store.size()).isOne();
    }
  }

  @Test
  void inStrictMode_aPutTheTierDidNotTake_isNotServedLocally_butStillReplayed() {
    AtomicReference<InvalidationSink<String>> sink = new AtomicReference<>();
    AtomicBoolean down = new AtomicBoolean();
    try (MultiLevelCache<String, String> cache =
        instance(sink, down).strictCoherence().build()) {
      cache.put("k", "v1");
      down.set(true);

      cache.put("k", "v2");

      assertThat(cache.advanced().estimatedLocalSize()).isZero();
      down.set(false);
      sink.get().recovered();
      assertThat(store.size()).isZero();
    }
  }

  @Test
  void inStrictMode_aBulkPut_isServedLocallyOnlyIfTheTierTookIt() {
    AtomicBoolean down = new AtomicBoolean();
    TierFactory<String, String> memory =
        InMemoryTier.factory("redis", store, Codec.utf8(), InMemoryTier.Echo.OTHERS_ONLY);
    try (MultiLevelCache<String, String> cache =
        MultiLevelCache.<String, String>builder("users")
            .ticker(ticker)
            .executor(Runnable::run)
            .strictCoherence()
            .tier(context -> new FailingWhileDown(memory.create(context), down))
            .build()) {
      cache.putAll(java.util.Map.of("a", "1", "b", "2"));
      assertThat(cache.advanced().estimatedLocalSize()).as("taken: kept").isEqualTo(2);

      down.set(true);
      cache.putAll(java.util.Map.of("a", "3", "b", "4"));

      assertThat(cache.advanced().estimatedLocalSize()).as("not taken: not kept").isZero();
    }
  }

  @Test
  void inStrictMode_aReadOverlappingAPutTheTierFailedToTake_doesNotFillTheOldValue()
      throws Exception {
    java.util.concurrent.CountDownLatch putEntered = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch putRelease = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch getEntered = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch getRelease = new java.util.concurrent.CountDownLatch(1);
    AtomicBoolean gated = new AtomicBoolean();
    // Without the echo of its own writes: the replay of the failed put, run by the read's own
    // successful call, would otherwise fence the read by itself.
    TierFactory<String, String> memory =
        InMemoryTier.factory("redis", store, Codec.utf8(), InMemoryTier.Echo.OTHERS_ONLY);
    java.util.concurrent.ExecutorService threads =
        java.util.concurrent.Executors.newFixedThreadPool(2);
    try (MultiLevelCache<String, String> other = instance().build();
        MultiLevelCache<String, String> cache =
        MultiLevelCache.<String, String>builder("users")
            .ticker(ticker)
            .executor(Runnable::run)
            .strictCoherence()
            .loader(key -> source.get())
            .tier(
                context ->
                    new ForwardingTier<>(memory.create(context)) {
                      @Override
                      public void put(String key, CacheEntry<String> entry) {
                        if (gated.get()) {
                          putEntered.countDown();
                          await(putRelease);
                          throw new TierUnavailableException("timed out", null);
                        }
                        super.put(key, entry);
                      }

                      @Override
                      public CacheEntry<String> get(String key) {
                        CacheEntry<String> found = super.get(key);
                        if (gated.get()) {
                          getEntered.countDown();
                          await(getRelease);
                        }
                        return found;
                      }
                    })
            .build()) {
      other.put("k", "old");
      gated.set(true);

      java.util.concurrent.Future<?> put = threads.submit(() -> cache.put("k", "new"));
      assertThat(putEntered.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      java.util.concurrent.Future<String> read = threads.submit(() -> cache.get("k"));
      assertThat(getEntered.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      putRelease.countDown(); // the put fails after the read saw "old"
      put.get(5, java.util.concurrent.TimeUnit.SECONDS);
      getRelease.countDown();

      assertThat(read.get(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("old");
      assertThat(cache.advanced().estimatedLocalSize()).as("the old value is not kept").isZero();
    } finally {
      threads.shutdownNow();
    }
  }

  private static void await(java.util.concurrent.CountDownLatch latch) {
    try {
      if (!latch.await(5, java.util.concurrent.TimeUnit.SECONDS)) {
        throw new AssertionError("not released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  // ---------------------------------------------------------------- builder

  @Test
  void theBuilder_refusesABoundTogetherWithStrictMode_andNonPositiveValues() {
    assertThatThrownBy(() -> instance().strictCoherence().degradedLocalTtl(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("strictCoherence");
    assertThatThrownBy(() -> instance().degradedLocalTtl(Duration.ofSeconds(1)).strictCoherence())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("degradedLocalTtl was already set");
    assertThatThrownBy(() -> instance().degradedLocalTtl(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("degradedLocalTtl must be positive");
    assertThatThrownBy(() -> instance().outageJournalCapacity(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("outageJournalCapacity must be positive");
    assertThatThrownBy(() -> instance().outageJournalCapacity(1).outageJournalCapacity(2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already set to 1");
  }

  // ---------------------------------------------------------------- helpers

  private static CacheObserver recorder(List<String> events) {
    return new CacheObserver() {
      @Override
      public void changeDeferred(String tier) {
        events.add("deferred(" + tier + ")");
      }

      @Override
      public void changesReplayed(String tier, int changes) {
        events.add("replayed(" + tier + ", " + changes + ")");
      }
    };
  }

  /** A tier that throws, as an unreachable Redis does, while {@code down} is set. */
  private static final class FailingWhileDown extends ForwardingTier<String, String> {
    private final AtomicBoolean down;

    FailingWhileDown(CacheTier<String, String> delegate, AtomicBoolean down) {
      super(delegate);
      this.down = down;
    }

    private void check() {
      if (down.get()) {
        throw new TierUnavailableException("down on purpose", null);
      }
    }

    @Override
    public @org.jspecify.annotations.Nullable CacheEntry<String> get(String key) {
      check();
      return super.get(key);
    }

    @Override
    public java.util.Map<String, CacheEntry<String>> getAll(
        java.util.Collection<? extends String> keys) {
      check();
      return super.getAll(keys);
    }

    @Override
    public void put(String key, CacheEntry<String> entry) {
      check();
      super.put(key, entry);
    }

    @Override
    public void putAll(java.util.Map<? extends String, CacheEntry<String>> entries) {
      check();
      super.putAll(entries);
    }

    @Override
    public java.util.Map<String, io.strata.cache.TierLease<String>> lease(
        java.util.Collection<? extends String> keys, boolean refresh) {
      check();
      return super.lease(keys, refresh);
    }

    @Override
    public java.util.Set<String> putLeased(
        java.util.Map<? extends String, CacheEntry<String>> entries,
        java.util.Map<? extends String, io.strata.cache.TierLease<String>> leases) {
      check();
      return super.putLeased(entries, leases);
    }

    @Override
    public void release(java.util.Map<? extends String, io.strata.cache.TierLease<String>> leases) {
      check();
      super.release(leases);
    }

    @Override
    public void invalidate(String key) {
      check();
      super.invalidate(key);
    }

    @Override
    public void invalidateAll() {
      check();
      super.invalidateAll();
    }

    @Override
    public TierHealth health() {
      return down.get() ? TierHealth.down("down on purpose") : TierHealth.up();
    }
  }
}
