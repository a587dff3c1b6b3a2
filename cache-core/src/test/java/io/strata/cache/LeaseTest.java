package io.strata.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.cache.codec.Codec;
import io.strata.cache.testkit.FakeTicker;
import io.strata.cache.testkit.ForwardingTier;
import io.strata.cache.testkit.InMemoryTier;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Loads store under the lease they took on their miss: a load that read the source before a
 * change of its key, made on any instance, writes its value to no tier; leases of loads that store
 * nothing are given back at once; peeks take none; background refreshes leave the key to the
 * instance holding its lease. Announcements of B's changes are held back where the test is about
 * the lease alone: A then cannot know of the change from its own stamps.
 */
class LeaseTest {

  private final FakeTicker ticker = new FakeTicker();
  private final InMemoryTier.Store store = new InMemoryTier.Store();
  private final AtomicReference<String> source = new AtomicReference<>("v1");
  private final AtomicInteger loadsA = new AtomicInteger();
  private final AtomicInteger loadsB = new AtomicInteger();
  private final AtomicInteger refusedA = new AtomicInteger();
  private final List<MultiLevelCache<String, String>> caches = new ArrayList<>();

  @AfterEach
  void closeAll() {
    caches.forEach(MultiLevelCache::close);
  }

  private MultiLevelCacheBuilder<String, String> builder(Loader<String, String> loader) {
    return builder(loader, Runnable::run);
  }

  private MultiLevelCacheBuilder<String, String> builder(
      Loader<String, String> loader, java.util.concurrent.Executor executor) {
    return MultiLevelCache.<String, String>builder("users")
        .ticker(ticker)
        .executor(executor)
        .ttl(Duration.ofMinutes(10))
        .tier(InMemoryTier.factory("shared", store, Codec.utf8()))
        .loader(loader);
  }

  private MultiLevelCache<String, String> build(MultiLevelCacheBuilder<String, String> builder) {
    MultiLevelCache<String, String> cache = builder.build();
    caches.add(cache);
    return cache;
  }

  /** A cache over the shared store, seen through {@code decorate}. */
  private MultiLevelCache<String, String> over(
      java.util.function.UnaryOperator<CacheTier<String, String>> decorate,
      Loader<String, String> loader) {
    TierFactory<String, String> shared = InMemoryTier.factory("shared", store, Codec.utf8());
    return build(
        MultiLevelCache.<String, String>builder("users")
            .ticker(ticker)
            .executor(Runnable::run)
            .tier(context -> decorate.apply(shared.create(context)))
            .loader(loader));
  }

  private MultiLevelCache<String, String> instanceB() {
    return build(
        builder(
            key -> {
              loadsB.incrementAndGet();
              return source.get();
            }));
  }

  /** Instance A, whose first load runs {@code meanwhile} after reading the source. */
  private MultiLevelCache<String, String> instanceA(Runnable meanwhile) {
    AtomicInteger calls = new AtomicInteger();
    MultiLevelCache<String, String> cache =
        build(
            builder(
                key -> {
                  loadsA.incrementAndGet();
                  String read = source.get();
                  if (calls.getAndIncrement() == 0) {
                    meanwhile.run();
                  }
                  return read;
                }));
    cache.advanced().addObserver(
        new CacheObserver() {
          @Override
          public void fillRefused(String tier) {
            refusedA.incrementAndGet();
          }
        });
    return cache;
  }

  // ---------------------------------------------------------------- stale sets

  @Test
  void aLoadThatReadTheSourceBeforeAnInvalidationElsewhere_storesItsValueNowhere() {
    MultiLevelCache<String, String> b = instanceB();
    MultiLevelCache<String, String> a =
        instanceA(
            () -> {
              source.set("v2");
              store.holdAnnouncements(); // A does not hear of B's change in time
              b.invalidate("k");
            });

    assertThat(a.get("k")).as("the caller gets what its load read").isEqualTo("v1");

    assertThat(store.size()).as("the shared tier has no value written back").isZero();
    assertThat(refusedA).hasValue(1);
    store.releaseAnnouncements();
    assertThat(a.advanced().estimatedLocalSize()).as("nor does A's local tier").isZero();
    assertThat(a.get("k")).isEqualTo("v2");
    assertThat(b.get("k")).isEqualTo("v2");
  }

  @Test
  void aLoadThatRacedAPutElsewhere_leavesThePutsValue() {
    MultiLevelCache<String, String> b = instanceB();
    MultiLevelCache<String, String> a =
        instanceA(
            () -> {
              source.set("v2");
              store.holdAnnouncements();
              b.put("k", "v2");
            });

    assertThat(a.get("k")).isEqualTo("v1");

    assertThat(refusedA).hasValue(1);
    assertThat(a.advanced().estimatedLocalSize()).as("A kept nothing of its load").isZero();
    assertThat(a.getIfPresent("k")).as("A reads the put's value from the shared tier").isEqualTo("v2");
    store.releaseAnnouncements();
    assertThat(b.get("k")).isEqualTo("v2");
    assertThat(loadsB).hasValue(0);
  }

  @Test
  void aLoadThatRacedNoChange_storesEverywhere_andUsesItsLease() {
    MultiLevelCache<String, String> a = instanceA(() -> {});

    assertThat(a.get("k")).isEqualTo("v1");

    assertThat(store.size()).isEqualTo(1);
    assertThat(store.leases()).isZero();
    assertThat(refusedA).hasValue(0);
  }

  @Test
  void aBulkLoad_refusesOnlyTheKeysThatChanged() {
    MultiLevelCache<String, String> b = instanceB();
    MultiLevelCache<String, String> a =
        instanceA(
            () -> {
              store.holdAnnouncements();
              b.invalidate("changed");
            });

    assertThat(a.getAll(List.of("changed", "same"))).hasSize(2);

    assertThat(refusedA).hasValue(1);
    assertThat(b.getIfPresent("same")).isEqualTo("v1");
    assertThat(b.getIfPresent("changed")).isNull();
  }

  // ---------------------------------------------------------------- leases given back

  @Test
  void theLeasesOfLoadsThatStoreNothing_areGivenBackAtOnce() {
    AtomicReference<Object> answer = new AtomicReference<>();
    MultiLevelCache<String, String> cache =
        build(
            MultiLevelCache.<String, String>builder("users")
                .ticker(ticker)
                .executor(Runnable::run)
                .tier(InMemoryTier.factory("shared", store, Codec.utf8()))
                .loader(
                    new Loader<>() {
                      @Override
                      public String load(String key) {
                        throw new AssertionError("loadEntry is overridden");
                      }

                      @Override
                      @SuppressWarnings("unchecked")
                      public Loaded<String> loadEntry(String key) throws Exception {
                        Object next = answer.get();
                        if (next instanceof Exception e) {
                          throw e;
                        }
                        return (Loaded<String>) next;
                      }
                    }));

    answer.set(new IllegalStateException("source down"));
    assertThatThrownBy(() -> cache.get("failed")).hasStackTraceContaining("source down");
    assertThat(store.leases()).as("after a failed load").isZero();

    answer.set(Loaded.notFound());
    assertThat(cache.get("absent")).isNull();
    assertThat(store.leases()).as("after a load that found nothing").isZero();

    answer.set(Loaded.builder("v").storage(Loaded.Storage.NOWHERE).build());
    assertThat(cache.get("nowhere")).isEqualTo("v");
    assertThat(store.leases()).as("after a load stored nowhere").isZero();

    answer.set(new IllegalStateException("source down again"));
    assertThat(cache.advanced().refresh("failed")).isCompletedExceptionally();
    assertThat(store.leases()).as("after a failed refresh").isZero();

    answer.set(Loaded.builder("v").storage(Loaded.Storage.LOCAL_ONLY).build());
    assertThat(cache.get("private")).isEqualTo("v");
    assertThat(store.leases()).as("after a load kept only locally").isZero();
    assertThat(store.size()).isZero();
  }

  @Test
  void aPeek_takesNoLease() {
    MultiLevelCache<String, String> cache = instanceB();

    assertThat(cache.getIfPresent("k")).isNull();

    assertThat(store.leases()).isZero();
  }

  @Test
  void aPutBetweenTheLoadsReadAndItsLease_wins_andNothingIsLoaded() {
    MultiLevelCache<String, String> b = instanceB();
    AtomicInteger loads = new AtomicInteger();
    MultiLevelCache<String, String> a =
        over(
            tier ->
                new ForwardingTier<>(tier) {
                  @Override
                  public Map<String, TierLease<String>> lease(
                      Collection<? extends String> keys, boolean refresh) {
                    store.holdAnnouncements();
                    b.put("k", "put-meanwhile"); // after the walk missed
                    return super.lease(keys, refresh);
                  }
                },
            key -> {
              loads.incrementAndGet();
              return "loaded";
            });

    assertThat(a.get("k")).isEqualTo("put-meanwhile");

    assertThat(loads).hasValue(0);
    assertThat(b.getIfPresent("k")).isEqualTo("put-meanwhile");
    store.releaseAnnouncements();
  }

  @Test
  void aLoadWhoseLeaseIsHeldElsewhere_storesUnderTheSharedToken_andTheHolderIsRefused() {
    MultiLevelCache<String, String> b = instanceB();
    AtomicReference<String> fromB = new AtomicReference<>();
    MultiLevelCache<String, String> a =
        instanceA(
            () -> {
              store.holdAnnouncements(); // so that the lease alone decides A's store
              fromB.set(b.get("k"));
            });

    assertThat(a.get("k")).isEqualTo("v1");

    assertThat(fromB.get()).isEqualTo("v1");
    assertThat(loadsB).as("B loaded while A held the lease: it may, no waiting here").hasValue(1);
    assertThat(refusedA).as("B stored first under the shared lease").hasValue(1);
    assertThat(store.size()).isEqualTo(1);
    assertThat(store.leases()).isZero();
  }

  // ---------------------------------------------------------------- refreshes

  @Test
  void aBackgroundRefresh_isLeftToTheInstanceHoldingTheLease() {
    Queue<Runnable> backgroundB = new ArrayDeque<>();
    MultiLevelCache<String, String> b =
        build(
            builder(
                    key -> {
                      loadsB.incrementAndGet();
                      return source.get();
                    },
                    backgroundB::add)
                .staleWhileRevalidate(Duration.ofMinutes(5)));
    AtomicReference<String> servedToB = new AtomicReference<>();
    AtomicInteger refreshesQueuedByB = new AtomicInteger();
    Queue<Runnable> backgroundA = new ArrayDeque<>();
    AtomicInteger calls = new AtomicInteger();
    MultiLevelCache<String, String> a =
        build(
            builder(
                    key -> {
                      loadsA.incrementAndGet();
                      if (calls.getAndIncrement() == 1) {
                        // A's refresh holds the lease: B's own refresh finds it so.
                        servedToB.set(b.get("k"));
                        runAll(backgroundB);
                        // The refresh B left ended its claim: the next stale read starts another.
                        b.get("k");
                        refreshesQueuedByB.set(backgroundB.size());
                        runAll(backgroundB);
                      }
                      return source.get();
                    },
                    backgroundA::add)
                .staleWhileRevalidate(Duration.ofMinutes(5)));
    a.getAsync("k");
    runAll(backgroundA);
    b.getAsync("k"); // promoted from the shared tier: no load
    runAll(backgroundB);
    assertThat(b.get("k")).isEqualTo("v1");
    ticker.advance(Duration.ofMinutes(10).plusSeconds(1));
    source.set("v2");

    assertThat(a.get("k")).as("stale, revalidated in the background").isEqualTo("v1");
    runAll(backgroundA);

    assertThat(servedToB.get()).isEqualTo("v1");
    assertThat(loadsA).hasValue(2);
    assertThat(loadsB).as("B left the refresh to A").hasValue(0);
    assertThat(refreshesQueuedByB).hasValue(1);
    assertThat(a.get("k")).isEqualTo("v2");
    java.util.concurrent.CompletableFuture<String> later = b.advanced().refresh("k");
    runAll(backgroundB);
    assertThat(later).as("the refresh B left ended its claim: a later one runs").isCompletedWithValue("v2");
  }

  @Test
  void anExplicitRefresh_loadsEvenWhileAnotherInstanceHoldsTheLease() {
    MultiLevelCache<String, String> b = instanceB();
    AtomicReference<String> refreshedByB = new AtomicReference<>();
    MultiLevelCache<String, String> a =
        instanceA(() -> refreshedByB.set(b.advanced().refresh("k").join()));

    a.get("k");

    assertThat(refreshedByB.get()).isEqualTo("v1");
    assertThat(loadsB).hasValue(1);
  }

  // ---------------------------------------------------------------- tiers that cannot lease

  @Test
  void aTierThatFailsToLease_isNotWrittenByTheLoad_andTheValueIsKeptLocally() {
    MultiLevelCache<String, String> cache =
        over(
            tier ->
                new ForwardingTier<>(tier) {
                  @Override
                  public Map<String, TierLease<String>> lease(
                      Collection<? extends String> keys, boolean refresh) {
                    throw new TierUnavailableException("cannot lease now", null);
                  }
                },
            key -> "v1");

    assertThat(cache.get("k")).isEqualTo("v1");

    assertThat(store.writes()).as("no write without a lease").isZero();
    assertThat(cache.lookup("k").tier()).isEqualTo("local");
  }

  @Test
  void aKeyFilledWhileWaitingForTheLease_isAnsweredWithoutLoading() {
    AtomicInteger loads = new AtomicInteger();
    MultiLevelCache<String, String> cache =
        over(
            tier ->
                new ForwardingTier<>(tier) {
                  @Override
                  public Map<String, TierLease<String>> lease(
                      Collection<? extends String> keys, boolean refresh) {
                    long now = ticker.read();
                    return Map.of(
                        "k",
                        TierLease.found(
                            CacheEntry.builder("theirs", now, now + Duration.ofMinutes(1).toNanos())
                                .build()));
                  }
                },
            key -> {
              loads.incrementAndGet();
              return "mine";
            });

    assertThat(cache.get("k")).isEqualTo("theirs");

    assertThat(loads).hasValue(0);
    assertThat(cache.lookup("k")).isEqualTo(new Lookup<>("theirs", "local", false));
  }

  @Test
  void aKeyTheLowerTierRefuses_isNotWrittenToTheTierAboveIt() {
    InMemoryTier.Store upper = new InMemoryTier.Store();
    MultiLevelCache<String, String> b = instanceB();
    AtomicInteger calls = new AtomicInteger();
    MultiLevelCache<String, String> a =
        build(
            MultiLevelCache.<String, String>builder("users")
                .ticker(ticker)
                .executor(Runnable::run)
                .tier(InMemoryTier.factory("upper", upper, Codec.utf8()))
                .tier(InMemoryTier.factory("shared", store, Codec.utf8()))
                .loader(
                    key -> {
                      String read = source.get();
                      if (calls.getAndIncrement() == 0) {
                        store.holdAnnouncements();
                        b.invalidate("k");
                      }
                      return read;
                    }));

    a.get("k");

    assertThat(store.size()).isZero();
    assertThat(upper.size()).as("the upper tier").isZero();
    assertThat(upper.leases()).as("its lease given back").isZero();
  }

  private static void runAll(Queue<Runnable> tasks) {
    for (Runnable task; (task = tasks.poll()) != null; ) {
      task.run();
    }
  }
}
