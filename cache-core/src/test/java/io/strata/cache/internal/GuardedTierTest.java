package io.strata.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.CacheEntry;
import io.strata.cache.CacheObserver;
import io.strata.cache.CacheTier;
import io.strata.cache.Scheduler;
import io.strata.cache.TierUnavailableException;
import io.strata.cache.testkit.FakeTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The fence around a lower tier: what it reports for each call, what a failure becomes (a miss, a
 * write not taken, a journaled change), and which keys it stops reading.
 */
class GuardedTierTest {

  /** The fence on its own: the journal's retries on the scheduler are TierOutageTest's. */
  private static final Scheduler NEVER = (delay, task) -> new CompletableFuture<Void>();

  private final FakeTicker ticker = new FakeTicker();
  private final List<String> events = new ArrayList<>();
  private final ObserverChain observers = new ObserverChain("c");
  private final DegradedMode mode = new DegradedMode(false, Duration.ofSeconds(1), null);
  private final TierOutage<String> outage =
      new TierOutage<>("c", mode, Runnable::run, NEVER, observers, 10);
  private final MapTier tier = new MapTier();
  private final GuardedTier<String, String> guarded =
      new GuardedTier<>(tier, "c", ticker, observers, outage);

  GuardedTierTest() {
    observers.add(
        new CacheObserver() {
          @Override
          public void tierHit(String t) {
            events.add("hit");
          }

          @Override
          public void tierMiss(String t) {
            events.add("miss");
          }

          @Override
          public void tierLatency(String t, Operation operation, long nanos) {
            events.add("latency(" + operation + ", " + nanos + ")");
          }

          @Override
          public void tierError(String t, Operation operation, Throwable error) {
            events.add("error(" + operation + ")");
          }

          @Override
          public void writeDropped(String t) {
            events.add("dropped");
          }

          @Override
          public void changeDeferred(String t) {
            events.add("deferred(" + t + ")");
          }
        });
  }

  private static CacheEntry<String> entry(String value) {
    return CacheEntry.builder(value, 0, Long.MAX_VALUE / 2).build();
  }

  @Test
  void reads_reportHitsMissesAndTheirLatency() {
    tier.map.put("a", entry("A"));
    tier.delayNanos = 30;

    assertThat(guarded.get("a")).isEqualTo(entry("A"));
    assertThat(guarded.get("b")).isNull();
    assertThat(guarded.getAll(List.of("a", "b", "c"))).containsOnlyKeys("a");

    assertThat(events)
        .containsExactly(
            "latency(GET, 30)", "hit",
            "latency(GET, 30)", "miss",
            "latency(GET_ALL, 30)", "miss", "miss", "hit");
  }

  @Test
  void aFailedRead_isAMiss_andMakesTheTierDegraded_untilACallSucceeds() {
    tier.failure = new TierUnavailableException("down", null);

    assertThat(guarded.get("a")).isNull();
    assertThat(guarded.getAll(List.of("a", "b"))).isEmpty();

    assertThat(events).containsExactly("error(GET)", "error(GET_ALL)");
    assertThat(mode.active()).isTrue();
    tier.failure = null;
    guarded.get("a");
    assertThat(mode.active()).isFalse();
  }

  @Test
  void aFillNotTaken_isNotJournaled_butAChangeNotTakenIs() {
    tier.failure = new IllegalStateException("refused");

    assertThat(guarded.put("fill", entry("v"))).isFalse();
    assertThat(guarded.putLeased(Map.of("f1", entry("v"), "f2", entry("v")), Map.of())).isNull();
    assertThat(outage.holdsAny()).isFalse();

    assertThat(guarded.putChange("put", entry("v"))).isFalse();
    assertThat(guarded.putAll(Map.of("p1", entry("v"), "p2", entry("v")))).isFalse();
    assertThat(guarded.invalidate("gone")).isFalse();

    for (String key : List.of("put", "p1", "p2", "gone")) {
      assertThat(outage.holds(key)).as(key).isTrue();
    }
    assertThat(outage.holds("fill")).isFalse();
    assertThat(events.stream().filter("dropped"::equals)).hasSize(4);
    assertThat(events.stream().filter(e -> e.startsWith("deferred"))).hasSize(4);
  }

  @Test
  void aChangeTheTierKeepsRefusing_isCountedOnce_howeverManyReplaysItFails() {
    tier.failure = new IllegalStateException("refused");
    assertThat(guarded.putChange("k", entry("v"))).isFalse();
    int calls = tier.calls;

    outage.recovered(); // a replay of the key, which fails again
    outage.recovered();
    assertThat(tier.calls).isEqualTo(calls + 2);
    assertThat(outage.holds("k")).isTrue();
    assertThat(guarded.invalidateAll()).isFalse();
    outage.recovered(); // a replay of the flush, which fails again
    assertThat(tier.calls).isEqualTo(calls + 4);
    assertThat(outage.holds("any")).isTrue();

    assertThat(events.stream().filter(e -> e.startsWith("deferred"))).hasSize(2);
    tier.failure = null;
    outage.recovered();
    assertThat(outage.holdsAny()).isFalse();
  }

  @Test
  void writesThatWork_returnTrue_andAnEmptyBatchNeverReachesTheTier() {
    assertThat(guarded.putAll(Map.of())).isTrue();
    assertThat(tier.calls).isZero();

    assertThat(guarded.put("a", entry("v"))).isTrue();
    assertThat(guarded.putChange("b", entry("v"))).isTrue();
    assertThat(guarded.putAll(Map.of("c", entry("v")))).isTrue();
    assertThat(guarded.invalidate("a")).isTrue();
    assertThat(tier.map).containsOnlyKeys("b", "c");
    assertThat(guarded.invalidateAll()).isTrue();
    assertThat(tier.map).isEmpty();
    assertThat(events).noneMatch(e -> e.startsWith("error") || e.equals("dropped"));
  }

  @Test
  void everyCall_reportsItsLatency_orItsError_byOperation() {
    tier.delayNanos = 7;
    guarded.put("a", entry("v"));
    guarded.putChange("a", entry("v"));
    guarded.putAll(Map.of("b", entry("v"), "c", entry("v")));
    guarded.putLeased(Map.of("b", entry("v")), Map.of());
    guarded.putLeased(Map.of("b", entry("v"), "c", entry("v")), Map.of());
    guarded.lease(List.of("d"), false);
    guarded.release(Map.of("d", io.strata.cache.TierLease.held("token-d")));
    guarded.invalidate("a");
    guarded.invalidateAll();
    assertThat(events)
        .containsExactly(
            "latency(PUT, 7)", "latency(PUT, 7)", "latency(PUT_ALL, 7)", "latency(PUT, 7)",
            "latency(PUT_ALL, 7)", "latency(LEASE, 7)", "latency(RELEASE, 7)",
            "latency(INVALIDATE, 7)", "latency(INVALIDATE_ALL, 7)");
    events.clear();

    tier.failure = new TierUnavailableException("down", null);
    guarded.putChange("a", entry("v"));
    guarded.putAll(Map.of("b", entry("v"), "c", entry("v")));
    guarded.putLeased(Map.of("b", entry("v"), "c", entry("v")), Map.of());
    assertThat(guarded.lease(List.of("d"), false)).as("no lease from a failing tier").isNull();
    guarded.release(Map.of("d", io.strata.cache.TierLease.held("token-d")));
    guarded.invalidate("a");
    guarded.invalidateAll();

    assertThat(events.stream().filter(e -> e.startsWith("error")))
        .containsExactly(
            "error(PUT)", "error(PUT_ALL)", "error(PUT_ALL)", "error(LEASE)", "error(RELEASE)",
            "error(INVALIDATE)", "error(INVALIDATE_ALL)");
    assertThat(mode.active()).isTrue();
  }

  @Test
  void leasesAndReleases_thatWork_areNoSignOfRecovery_butABulkChangeIs() {
    tier.failure = new TierUnavailableException("down", null);
    guarded.invalidate("x");
    tier.failure = null;

    guarded.lease(List.of("d"), false);
    guarded.release(Map.of("d", io.strata.cache.TierLease.held("token-d")));
    assertThat(outage.holds("x")).as("not replayed yet").isTrue();

    guarded.putAll(Map.of("b", entry("v"), "c", entry("v")));
    assertThat(outage.holds("x")).as("replayed after the bulk put worked").isFalse();
  }

  @Test
  void aKeyPendingReplay_isLeasedAsForARefresh_theOthersAsForALoad() {
    tier.failure = new TierUnavailableException("down", null);
    guarded.invalidate("x");
    tier.failure = null;
    assertThat(outage.holds("x")).isTrue();

    Map<String, io.strata.cache.TierLease<String>> leases = guarded.lease(List.of("x", "y"), false);

    assertThat(leases).containsOnlyKeys("x", "y");
    assertThat(tier.leasedAs).containsExactly("[y] load", "[x] refresh");
  }

  @Test
  void aStoreUnderLeases_reportsEachKeyTheTierRefused() {
    CacheTier<String, String> refusing =
        new io.strata.cache.testkit.ForwardingTier<>(tier) {
          @Override
          public java.util.Set<String> putLeased(
              Map<? extends String, CacheEntry<String>> entries,
              Map<? extends String, io.strata.cache.TierLease<String>> leases) {
            return java.util.Set.of("b", "c");
          }
        };
    List<String> refusedIn = new ArrayList<>();
    observers.add(
        new CacheObserver() {
          @Override
          public void fillRefused(String t) {
            refusedIn.add(t);
          }
        });
    GuardedTier<String, String> guardedRefusing =
        new GuardedTier<>(
            refusing, "c", ticker, observers, new TierOutage<>("c", mode, Runnable::run, NEVER, observers, 10));

    assertThat(guardedRefusing.putLeased(Map.of("a", entry("v"), "b", entry("v"), "c", entry("v")), Map.of()))
        .containsExactlyInAnyOrder("b", "c");
    assertThat(refusedIn).containsExactly("t", "t");
  }

  @Test
  void aFailedFillAlone_makesTheTierDegraded_untilAnInvalidateWorks() {
    tier.failure = new IllegalStateException("refused");
    guarded.putLeased(Map.of("b", entry("v"), "c", entry("v")), Map.of());
    assertThat(mode.active()).isTrue();
    tier.failure = null;

    guarded.invalidate("x");

    assertThat(mode.active()).isFalse();
  }

  @Test
  void anInvalidateAllThatWorks_replaysWhatWasDeferred() {
    tier.failure = new IllegalStateException("refused");
    guarded.invalidate("a");
    tier.failure = null;
    tier.map.put("a", entry("old"));

    guarded.invalidateAll();

    assertThat(outage.holdsAny()).isFalse();
    assertThat(mode.active()).isFalse();
  }

  @Test
  void aFailedFlush_returnsFalse_andKeepsEveryKeyFromBeingRead_untilReplayed() {
    tier.map.put("a", entry("old"));
    tier.failure = new TierUnavailableException("down", null);

    assertThat(guarded.invalidateAll()).isFalse();
    assertThat(outage.holds("a")).isTrue();
    tier.failure = null;
    int before = tier.calls;

    assertThat(guarded.getAll(List.of("a", "b"))).isEmpty();
    assertThat(tier.calls).as("every key is owed a flush: nothing is read").isEqualTo(before);
    guarded.put("c", entry("C")); // works: the flush is replayed after it

    assertThat(tier.map).isEmpty();
    assertThat(outage.holds("a")).isFalse();
  }

  @Test
  void aJournaledKey_isNotRead_whileTheOthersAre() {
    tier.map.put("a", entry("old"));
    tier.map.put("b", entry("B"));
    // Replays are held: the first call that works would otherwise clear the journal.
    TierOutage<String> holding =
        new TierOutage<>("c", mode, task -> {}, NEVER, observers, 10);
    GuardedTier<String, String> fenced = new GuardedTier<>(tier, "c", ticker, observers, holding);
    tier.failure = new IllegalStateException("refused");
    fenced.invalidate("a");
    tier.failure = null;
    int before = tier.calls;

    assertThat(fenced.get("a")).isNull();
    assertThat(tier.calls).as("not asked for a").isEqualTo(before);
    assertThat(fenced.getAll(List.of("a", "b"))).containsOnlyKeys("b");
    assertThat(tier.asked).containsExactly(List.of("b"));
    assertThat(fenced.getAll(List.of("a"))).isEmpty();
    assertThat(tier.calls).as("nothing left to ask for").isEqualTo(before + 1);
  }

  /** A tier over a map: counts calls, can fail, and advances the clock by a fixed amount per call. */
  private final class MapTier implements CacheTier<String, String> {
    final Map<String, CacheEntry<String>> map = new HashMap<>();
    final List<List<String>> asked = new ArrayList<>();
    final List<String> leasedAs = new ArrayList<>();
    @Nullable RuntimeException failure;
    long delayNanos;
    int calls;

    private void call() {
      calls++;
      ticker.advance(Duration.ofNanos(delayNanos));
      if (failure != null) {
        throw failure;
      }
    }

    @Override
    public String name() {
      return "t";
    }

    @Override
    public @Nullable CacheEntry<String> get(String key) {
      call();
      return map.get(key);
    }

    @Override
    public Map<String, CacheEntry<String>> getAll(Collection<? extends String> keys) {
      call();
      asked.add(List.copyOf(keys));
      Map<String, CacheEntry<String>> found = new HashMap<>();
      for (String key : keys) {
        if (map.containsKey(key)) {
          found.put(key, map.get(key));
        }
      }
      return found;
    }

    @Override
    public void put(String key, CacheEntry<String> entry) {
      call();
      map.put(key, entry);
    }

    @Override
    public void putAll(Map<? extends String, CacheEntry<String>> entries) {
      call();
      map.putAll(entries);
    }

    @Override
    public Map<String, io.strata.cache.TierLease<String>> lease(
        Collection<? extends String> keys, boolean refresh) {
      call();
      leasedAs.add(keys + (refresh ? " refresh" : " load"));
      Map<String, io.strata.cache.TierLease<String>> leases = new HashMap<>();
      keys.forEach(key -> leases.put(key, io.strata.cache.TierLease.held("token-" + key)));
      return leases;
    }

    @Override
    public void release(Map<? extends String, io.strata.cache.TierLease<String>> leases) {
      call();
    }

    @Override
    public void invalidate(String key) {
      call();
      map.remove(key);
    }

    @Override
    public void invalidateAll() {
      call();
      map.clear();
    }
  }

}
