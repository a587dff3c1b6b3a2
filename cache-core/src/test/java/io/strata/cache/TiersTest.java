package io.strata.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.codec.Codec;
import io.strata.cache.testkit.FakeTicker;
import io.strata.cache.testkit.ForwardingTier;
import io.strata.cache.testkit.InMemoryTier;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Tiers and their coherence, run twice: with the shared tier echoing this instance's own writes
 * back to it (what Redis client-side caching does) and without ({@code NOLOOP}).
 */
@ParameterizedClass
@EnumSource(InMemoryTier.Echo.class)
class TiersTest {

  @Parameter InMemoryTier.Echo echo;

  private final FakeTicker ticker = new FakeTicker();
  private final InMemoryTier.Store store = new InMemoryTier.Store();
  private final AtomicInteger loads = new AtomicInteger();
  private final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void stopPool() {
    pool.shutdownNow();
  }

  private MultiLevelCacheBuilder<String, String> instance() {
    return instance(
        key -> {
          loads.incrementAndGet();
          return "loaded-" + key;
        });
  }

  private MultiLevelCacheBuilder<String, String> instance(Loader<String, String> loader) {
    return MultiLevelCache.<String, String>builder("shared")
        .ticker(ticker)
        .executor(Runnable::run)
        .ttl(Duration.ofMinutes(10))
        .tier(InMemoryTier.factory("memory", store, Codec.utf8(), echo))
        .loader(loader);
  }

  @Test
  void localHitCount_countsOnlyWhatTheLocalTierAnswered_andStatsCountEveryHit() {
    try (MultiLevelCache<String, String> writer = instance().build();
        MultiLevelCache<String, String> reader = instance().build()) {
      writer.put("k", "v");

      reader.get("k"); // from the lower tier, promoted
      reader.get("k"); // local
      reader.getIfPresent("k"); // local
      reader.getAll(List.of("k")); // local

      assertThat(reader.advanced().localHitCount()).isEqualTo(3);
      assertThat(reader.stats().hitCount()).isEqualTo(4);
    }
  }

  @Test
  void aValueInTheLowerTier_isServedFromIt_thenPromotedToLocal() {
    try (MultiLevelCache<String, String> writer = instance().build();
        MultiLevelCache<String, String> reader = instance().build()) {
      writer.put("k", "v");

      Lookup<String> first = reader.lookup("k");
      Lookup<String> second = reader.lookup("k");

      assertThat(first).isEqualTo(new Lookup<>("v", "memory", false));
      assertThat(second).isEqualTo(new Lookup<>("v", "local", false));
      assertThat(loads).hasValue(0);
    }
  }

  @Test
  void promotion_keepsTheSourcesRemainingLifetime_neverLonger() {
    try (MultiLevelCache<String, String> writer = instance().build();
        MultiLevelCache<String, String> reader = instance().build()) {
      writer.put("k", "v", Duration.ofSeconds(60));
      ticker.advance(Duration.ofSeconds(50));
      assertThat(reader.lookup("k").tier()).isEqualTo("memory");

      ticker.advance(Duration.ofSeconds(9));
      assertThat(reader.lookup("k").tier()).isEqualTo("local");

      ticker.advance(Duration.ofSeconds(1));
      assertThat(reader.getIfPresent("k")).isNull();
    }
  }

  @Test
  void aMiss_isLoadedOnce_andWrittenToEveryTier() {
    try (MultiLevelCache<String, String> first = instance().build();
        MultiLevelCache<String, String> second = instance().build()) {
      assertThat(first.get("k")).isEqualTo("loaded-k");

      assertThat(second.lookup("k")).isEqualTo(new Lookup<>("loaded-k", "memory", false));
      assertThat(loads).hasValue(1);
    }
  }

  @Test
  void writesAndInvalidations_goToTheLowestTierFirst() {
    List<String> operations = new CopyOnWriteArrayList<>();
    try (MultiLevelCache<String, String> cache =
        MultiLevelCache.<String, String>builder("order")
            .ticker(ticker)
            .tier(recording("upper", operations))
            .tier(recording("lowest", operations))
            .build()) {
      cache.put("k", "v");
      cache.invalidate("k");
      cache.invalidateAll();

      assertThat(operations)
          .containsExactly(
              "lowest.put", "upper.put",
              "lowest.invalidate", "upper.invalidate",
              "lowest.invalidateAll", "upper.invalidateAll");
    }
  }

  @Test
  void putOnOneInstance_evictsTheKeyFromTheOthersLocalTier() {
    try (MultiLevelCache<String, String> a = instance().build();
        MultiLevelCache<String, String> b = instance().build()) {
      a.put("k", "v1");
      assertThat(b.get("k")).isEqualTo("v1");
      assertThat(b.lookup("k").tier()).isEqualTo("local");

      a.put("k", "v2");

      assertThat(b.lookup("k")).isEqualTo(new Lookup<>("v2", "memory", false));
    }
  }

  @Test
  void invalidateAllOnOneInstance_flushesTheOthers() {
    try (MultiLevelCache<String, String> a = instance().build();
        MultiLevelCache<String, String> b = instance().build()) {
      AtomicInteger flushes = new AtomicInteger();
      b.advanced().addObserver(new CacheObserver() {
        @Override
        public void flush(String tier, String reason) {
          flushes.incrementAndGet();
        }
      });
      a.put("k", "v");
      b.get("k");

      a.invalidateAll();

      assertThat(flushes).hasValue(1);
      assertThat(b.advanced().estimatedLocalSize()).isZero();
      assertThat(b.get("k")).isEqualTo("loaded-k");
    }
  }

  /**
   * The race every peer gets wrong: B reads the old value from the lower tier, A writes a new one
   * and the invalidation reaches B, and only then does B's read finish. B must not keep the old
   * value in its local tier.
   */
  @Test
  void aReadRacingAnInvalidation_neverLeavesTheOldValueInTheLocalTier() throws Exception {
    CountDownLatch readDone = new CountDownLatch(1);
    CountDownLatch invalidationDelivered = new CountDownLatch(1);
    AtomicInteger pausedReads = new AtomicInteger(1);
    TierFactory<String, String> pausing =
        context -> {
          CacheTier<String, String> real =
              InMemoryTier.factory("memory", store, Codec.utf8(), echo).create(context);
          return new ForwardingTier<>(real) {
            @Override
            public @Nullable CacheEntry<String> get(String key) {
              CacheEntry<String> entry = super.get(key);
              if (pausedReads.getAndDecrement() == 1) {
                readDone.countDown();
                await(invalidationDelivered);
              }
              return entry;
            }
          };
        };
    try (MultiLevelCache<String, String> a = instance().build();
        MultiLevelCache<String, String> b =
            MultiLevelCache.<String, String>builder("shared")
                .ticker(ticker)
                .tier(pausing)
                .loader(key -> "loaded-" + key)
                .build()) {
      a.put("k", "old");
      Future<String> racingRead = pool.submit(() -> b.get("k"));
      assertThat(readDone.await(30, TimeUnit.SECONDS)).isTrue();

      a.put("k", "new"); // the lower tier now says "new" and tells B to evict "k"
      invalidationDelivered.countDown();

      assertThat(racingRead.get(30, TimeUnit.SECONDS)).isEqualTo("old");
      assertThat(b.lookup("k")).isEqualTo(new Lookup<>("new", "memory", false));
    }
  }

  @Test
  void aFailingLowerTier_isSkipped_andCallersSeeNoException() {
    AtomicInteger errors = new AtomicInteger();
    try (MultiLevelCache<String, String> cache = instance().build()) {
      cache.advanced().addObserver(new CacheObserver() {
        @Override
        public void tierError(String tier, Operation operation, Throwable error) {
          errors.incrementAndGet();
        }
      });
      cache.put("p", "old");
      store.failWith(new IllegalStateException("connection refused"));

      assertThat(cache.get("k")).isEqualTo("loaded-k");
      cache.put("p", "v");
      cache.invalidate("p");
      cache.invalidateAll();
      assertThat(cache.advanced().health().get("memory").state()).isEqualTo(TierHealth.State.DOWN);
      assertThat(errors.get()).isGreaterThanOrEqualTo(4);

      store.failWith(null);
      cache.put("q", "v"); // works: the failed invalidateAll is replayed, which empties the tier
      cache.put("r", "v");
      assertThat(store.size()).isEqualTo(1);
      assertThat(cache.advanced().health().get("memory").state()).isEqualTo(TierHealth.State.UP);
    }
  }

  @Test
  void corruptBytesInTheLowerTier_areAMiss_andTheLoaderIsUsed() {
    AtomicInteger decodeErrors = new AtomicInteger();
    try (MultiLevelCache<String, String> a = instance().build();
        MultiLevelCache<String, String> b = instance().build()) {
      b.advanced().addObserver(new CacheObserver() {
        @Override
        public void decodeError(String tier) {
          decodeErrors.incrementAndGet();
        }
      });
      a.put("k", "v");
      store.corrupt("shared:k", new byte[] {(byte) 0xC3, (byte) 0x28}); // not UTF-8

      assertThat(b.get("k")).isEqualTo("loaded-k");
      assertThat(decodeErrors).hasValue(1);
    }
  }

  @Test
  void localAdmissionAfterReads_keepsColdKeysInTheLowerTierOnly() {
    try (MultiLevelCache<String, String> writer = instance().build();
        MultiLevelCache<String, String> reader = instance().localAdmissionAfterReads(3).build()) {
      writer.put("k", "v");

      assertThat(reader.lookup("k").tier()).isEqualTo("memory");
      assertThat(reader.lookup("k").tier()).isEqualTo("memory");
      assertThat(reader.lookup("k").tier()).isEqualTo("memory");
      assertThat(reader.lookup("k").tier()).isEqualTo("local");
    }
  }

  @Test
  void getAll_readsEachLowerTierInOneBatch_andPromotes() {
    try (MultiLevelCache<String, String> writer = instance().build();
        MultiLevelCache<String, String> reader = instance().build()) {
      writer.putAll(Map.of("a", "1", "b", "2"));
      int readsBefore = store.reads();

      Map<String, String> values = reader.getAll(List.of("a", "b", "c"));

      assertThat(values).containsOnly(Map.entry("a", "1"), Map.entry("b", "2"), Map.entry("c", "loaded-c"));
      assertThat(store.reads() - readsBefore).isEqualTo(1);
      assertThat(reader.lookup("a").tier()).isEqualTo("local");
    }
  }

  @Test
  void getIfPresent_readsLowerTiers_butNeverLoads() {
    try (MultiLevelCache<String, String> writer = instance().build();
        MultiLevelCache<String, String> reader = instance().build()) {
      writer.put("k", "v");

      assertThat(reader.getIfPresent("k")).isEqualTo("v");
      assertThat(reader.getIfPresent("absent")).isNull();
      assertThat(loads).hasValue(0);
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(30, TimeUnit.SECONDS)) {
        throw new AssertionError("latch not released in time");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static TierFactory<String, String> recording(String name, List<String> operations) {
    return context -> new CacheTier<>() {
      private final Map<String, CacheEntry<String>> map = new ConcurrentHashMap<>();

      @Override
      public String name() {
        return name;
      }

      @Override
      public @Nullable CacheEntry<String> get(String key) {
        return map.get(key);
      }

      @Override
      public void put(String key, CacheEntry<String> entry) {
        operations.add(name + ".put");
        map.put(key, entry);
      }

      @Override
      public void invalidate(String key) {
        operations.add(name + ".invalidate");
        map.remove(key);
      }

      @Override
      public void invalidateAll() {
        operations.add(name + ".invalidateAll");
        map.clear();
      }
    };
  }

  private static Loader<String, String> loaderStoring(Loaded.Storage storage) {
    return new Loader<>() {
      @Override
      public String load(String key) {
        throw new AssertionError("loadEntry is the path under test");
      }

      @Override
      public Loaded<String> loadEntry(String key) {
        return Loaded.builder("loaded-" + key).storage(storage).build();
      }
    };
  }

  @Test
  void aLocalOnlyValue_staysOutOfTheSharedTier() {
    try (MultiLevelCache<String, String> first =
            instance(loaderStoring(Loaded.Storage.LOCAL_ONLY)).build();
        MultiLevelCache<String, String> second = instance().build()) {
      assertThat(first.get("k")).isEqualTo("loaded-k");

      assertThat(first.lookup("k").tier()).isEqualTo("local");
      assertThat(store.size()).isZero();
      assertThat(second.getIfPresent("k")).isNull();
    }
  }

  @Test
  void aValueToStoreNowhere_answersTheCallerOnly() {
    try (MultiLevelCache<String, String> cache =
        instance(loaderStoring(Loaded.Storage.NOWHERE)).build()) {
      assertThat(cache.get("k")).isEqualTo("loaded-k");

      assertThat(cache.getIfPresent("k")).isNull();
      assertThat(store.size()).isZero();
    }
  }

  @Test
  void inStrictMode_whileALowerTierIsSuspended_theLocalTierStaysEmpty_andFillsAgainAfterResume() {
    java.util.concurrent.atomic.AtomicReference<InvalidationSink<String>> sink =
        new java.util.concurrent.atomic.AtomicReference<>();
    try (MultiLevelCache<String, String> cache =
        withSinkOfMemoryTier(sink)
            .strictCoherence()
            .executor(Runnable::run)
            .loader(key -> "loaded-" + key)
            .build()) {
      cache.get("held");
      cache.getIfPresent("held"); // where the load's own write was echoed, this promotes it
      assertThat(cache.lookup("held").tier()).isEqualTo("local");

      sink.get().suspend("disconnect");

      assertThat(cache.lookup("held").tier()).as("flushed on suspend").isEqualTo("memory");
      assertThat(cache.lookup("held").tier()).as("not refilled").isEqualTo("memory");
      assertThat(cache.get("new")).isEqualTo("loaded-new");
      assertThat(cache.lookup("new").tier()).isEqualTo("memory");
      cache.put("written", "w");
      assertThat(cache.lookup("written").tier()).isEqualTo("memory");

      sink.get().suspend("heartbeat"); // again: flushes again, one resume still lifts it
      sink.get().resume();

      assertThat(cache.lookup("held").tier()).isEqualTo("memory");
      assertThat(cache.lookup("held").tier()).as("fills again").isEqualTo("local");
      sink.get().resume(); // not suspended: a no-op
      cache.put("written", "w2");
      // The echo of a put evicts the writer's own copy; without it, the writer keeps it.
      assertThat(cache.lookup("written"))
          .isEqualTo(new Lookup<>("w2", echo == InMemoryTier.Echo.ALL ? "memory" : "local", false));
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void aLoadThatStartedWhileSuspended_writesBelow_butNeverFillsTheLocalTier(boolean strict)
      throws Exception {
    java.util.concurrent.atomic.AtomicReference<InvalidationSink<String>> sink =
        new java.util.concurrent.atomic.AtomicReference<>();
    CountDownLatch loading = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    MultiLevelCacheBuilder<String, String> builder = withSinkOfMemoryTier(sink);
    if (strict) {
      builder.strictCoherence();
    }
    try (MultiLevelCache<String, String> cache =
        builder
            .executor(pool)
            .loader(
                key -> {
                  loading.countDown();
                  finish.await();
                  return "loaded-" + key;
                })
            .build()) {
      sink.get().suspend("disconnect");
      Future<String> load = pool.submit(() -> cache.get("k"));
      assertThat(loading.await(5, TimeUnit.SECONDS)).isTrue();
      sink.get().resume();
      finish.countDown();

      assertThat(load.get(5, TimeUnit.SECONDS)).isEqualTo("loaded-k");
      assertThat(cache.advanced().estimatedLocalSize()).as("no local fill").isZero();
      assertThat(store.size()).as("written below").isOne();
    }
  }

  @Test
  void inStrictMode_aWriteTheSharedTierFailedToTake_isNotKeptLocally() {
    try (MultiLevelCache<String, String> cache = instance().strictCoherence().build()) {
      cache.put("k", "old");
      store.failWith(new IllegalStateException("connection reset"));

      cache.put("k", "new"); // the shared tier may or may not have it: others read it there
      cache.get("loaded"); // loaded, but the shared tier refused it

      store.failWith(null);
      // The put that failed is replayed as an invalidation: "old" is never served again.
      assertThat(cache.lookup("k")).isEqualTo(new Lookup<>("loaded-k", null, false));
      assertThat(cache.lookup("loaded").tier()).isNull(); // loaded again, not served locally
      assertThat(loads).hasValue(3);
    }
  }

  @Test
  void anInvalidationArrivingWhileAPutWritesBelow_winsOverThePutInTheLocalTier() {
    TierFactory<String, String> memory = InMemoryTier.factory("memory", store, Codec.utf8(), echo);
    try (MultiLevelCache<String, String> cache =
        MultiLevelCache.<String, String>builder("raced")
            .ticker(ticker)
            .tier(
                context ->
                    new ForwardingTier<>(memory.create(context)) {
                      @Override
                      public void put(String key, CacheEntry<String> entry) {
                        super.put(key, entry);
                        // Another instance writes right after; its invalidation arrives now.
                        context.invalidations().invalidate(List.of(key));
                      }
                    })
            .build()) {
      cache.put("k", "mine");

      assertThat(cache.advanced().estimatedLocalSize()).isZero();
      assertThat(cache.getIfPresent("k")).isEqualTo("mine"); // read below, where it was written
    }
  }

  /** Starts a cache over the shared memory tier, handing the test that tier's invalidation sink. */
  private MultiLevelCacheBuilder<String, String> withSinkOfMemoryTier(
      java.util.concurrent.atomic.AtomicReference<InvalidationSink<String>> sink) {
    TierFactory<String, String> memory = InMemoryTier.factory("memory", store, Codec.utf8(), echo);
    return MultiLevelCache.<String, String>builder("suspended")
        .ticker(ticker)
        .tier(
            context -> {
              sink.set(context.invalidations());
              return memory.create(context);
            });
  }
}
