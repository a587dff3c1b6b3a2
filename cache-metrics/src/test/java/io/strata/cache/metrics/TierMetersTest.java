package io.strata.cache.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.cache.CacheObserver.Operation;
import io.strata.cache.Loader;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.MultiLevelCacheBuilder;
import io.strata.cache.TierHealth;
import io.strata.cache.testkit.FakeTicker;
import io.strata.cache.testkit.InMemoryTier;
import io.strata.cache.testkit.ManualScheduler;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every meter beyond Micrometer's own moves when its event happens, driven through real caches over
 * the core's {@link InMemoryTier} (the stand-in for Redis: a shared store, announced invalidations,
 * faults on demand).
 */
class TierMetersTest {

  private static final Duration HOP = Duration.ofMillis(3);
  private static final RuntimeException DOWN = new IllegalStateException("store down on purpose");

  private final FakeTicker ticker = new FakeTicker();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final InMemoryTier.Store store = new InMemoryTier.Store();
  private final Loader<String, String> loader = key -> "loaded-" + key;
  private final List<MultiLevelCache<?, ?>> built = new ArrayList<>();

  @AfterEach
  void closeCaches() {
    built.forEach(MultiLevelCache::close);
  }

  private MultiLevelCacheBuilder<String, String> builder() {
    return MultiLevelCache.<String, String>builder("shared")
        .ticker(ticker)
        .executor(Runnable::run)
        .ttl(Duration.ofMinutes(10));
  }

  private MultiLevelCache<String, String> bound(MultiLevelCacheBuilder<String, String> builder) {
    MultiLevelCache<String, String> cache = builder.build();
    built.add(cache);
    return StrataCacheMetrics.monitor(registry, cache);
  }

  /** A second instance of the service: same cache name, same store, not bound to the registry. */
  private MultiLevelCache<String, String> unbound(MultiLevelCacheBuilder<String, String> builder) {
    MultiLevelCache<String, String> cache = builder.build();
    built.add(cache);
    return cache;
  }

  private double count(String name, String... tags) {
    // cache.tier.gets reads counts kept elsewhere (FunctionCounter); the other meters count.
    FunctionCounter read = registry.find(name).tags(tags).functionCounter();
    return read != null ? read.count() : registry.get(name).tags(tags).counter().count();
  }

  private Timer timer(String name, String... tags) {
    return registry.get(name).tags(tags).timer();
  }

  private static String tag(Operation operation) {
    return operation.name().toLowerCase(Locale.ROOT);
  }

  @Test
  void tierGets_countHitsAndMissesPerTier_downToTheFirstHit() {
    MultiLevelCache<String, String> cache =
        bound(builder().loader(loader).tier(Tiers.capturing("memory", store)));

    cache.get("a"); // local miss, memory miss, load
    cache.get("a"); // local hit

    assertThat(count("cache.tier.gets", "tier", "local", "result", "miss")).isEqualTo(1);
    assertThat(count("cache.tier.gets", "tier", "memory", "result", "miss")).isEqualTo(1);
    assertThat(count("cache.tier.gets", "tier", "local", "result", "hit")).isEqualTo(1);
    assertThat(count("cache.tier.gets", "tier", "memory", "result", "hit")).isZero();
  }

  @Test
  void tierGets_aValueAnotherInstanceWrote_isARemoteHit() {
    MultiLevelCache<String, String> other =
        unbound(builder().tier(Tiers.capturing("memory", store)));
    MultiLevelCache<String, String> cache =
        bound(builder().loader(loader).tier(Tiers.capturing("memory", store)));
    other.put("k", "v");

    assertThat(cache.lookup("k").tier()).isEqualTo("memory");

    assertThat(count("cache.tier.gets", "tier", "memory", "result", "hit")).isEqualTo(1);
    assertThat(count("cache.tier.gets", "tier", "local", "result", "miss")).isEqualTo(1);
    assertThat(count("cache.tier.promotions", "tier", "local")).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Operation.class)
  void tierLatency_recordsEachOperationWithTheTimeItTook(Operation operation) {
    MultiLevelCache<String, String> cache =
        bound(builder().loader(loader).tier(Tiers.slow("memory", store, ticker, HOP)));

    perform(cache, operation);

    Timer timer = timer("cache.tier.latency", "tier", "memory", "operation", tag(operation));
    assertThat(timer.count()).isPositive();
    assertThat(timer.totalTime(TimeUnit.MILLISECONDS))
        .isEqualTo(timer.count() * (double) HOP.toMillis());
    assertThat(registry.find("cache.tier.latency").tag("tier", "local").timers()).isEmpty();
  }

  @ParameterizedTest
  // A release follows a lease that worked: a failing tier fails the lease, and nothing is released.
  @EnumSource(value = Operation.class, mode = EnumSource.Mode.EXCLUDE, names = "RELEASE")
  void tierErrors_countFailuresByOperation_andTheReadStillAnswers(Operation operation) {
    MultiLevelCache<String, String> cache =
        bound(builder().loader(loader).tier(Tiers.capturing("memory", store)));
    store.failWith(DOWN);

    perform(cache, operation);

    assertThat(count("cache.tier.errors", "tier", "memory", "operation", tag(operation)))
        .isPositive();
    assertThat(timer("cache.tier.latency", "tier", "memory", "operation", tag(operation)).count())
        .isZero();
  }

  /** Makes {@code cache} call {@code operation} on its lower tier at least once. */
  private static void perform(MultiLevelCache<String, String> cache, Operation operation) {
    switch (operation) {
      case GET -> assertThat(cache.get("a")).isEqualTo("loaded-a");
      case GET_ALL -> assertThat(cache.getAll(List.of("a", "b"))).hasSize(2);
      case PUT -> cache.put("a", "v");
      case PUT_ALL -> cache.putAll(Map.of("a", "v", "b", "w"));
      case INVALIDATE -> cache.invalidate("a");
      case INVALIDATE_ALL -> cache.invalidateAll();
      case LEASE -> assertThat(cache.get("leased")).isEqualTo("loaded-leased");
      case RELEASE ->
          // A load that stores nothing gives its lease back.
          assertThat(cache.get("gone", key -> null)).isNull();
    }
  }

  @Test
  void fillsRefused_countLoadedValuesWhoseKeyChangedElsewhereDuringTheLoad() {
    MultiLevelCache<String, String> other =
        unbound(builder().tier(Tiers.capturing("memory", store)));
    MultiLevelCache<String, String> cache =
        bound(
            builder()
                .loader(
                    key -> {
                      store.holdAnnouncements(); // only the lease tells the load of the change
                      other.invalidate(key);
                      return "read-before-the-change";
                    })
                .tier(Tiers.capturing("memory", store)));

    cache.get("k");

    assertThat(count("cache.tier.fills.refused", "tier", "memory")).isEqualTo(1);
    store.releaseAnnouncements();
  }

  @Test
  void writesDropped_countWritesAFailingTierCouldNotTake() {
    MultiLevelCache<String, String> cache = bound(builder().tier(Tiers.capturing("memory", store)));
    store.failWith(DOWN);

    cache.put("a", "v");
    cache.putAll(Map.of("b", "w"));

    assertThat(count("cache.tier.writes.dropped", "tier", "memory")).isEqualTo(2);
    assertThat(count("cache.tier.changes.deferred", "tier", "memory")).isEqualTo(2);
    assertThat(count("cache.tier.changes.replayed", "tier", "memory")).isZero();

    store.failWith(null);
    cache.put("c", "x"); // works: the two deferred puts are replayed as invalidations

    assertThat(count("cache.tier.changes.replayed", "tier", "memory")).isEqualTo(2);
  }

  @Test
  void promotions_countCopiesIntoEachTierAboveTheOneThatHadIt() {
    InMemoryTier.Store far = new InMemoryTier.Store();
    MultiLevelCache<String, String> writer = unbound(builder().tier(Tiers.capturing("far", far)));
    MultiLevelCache<String, String> cache =
        bound(
            builder()
                .loader(loader)
                .tier(Tiers.capturing("near", store))
                .tier(Tiers.capturing("far", far)));
    writer.put("k", "v");

    assertThat(cache.lookup("k").tier()).isEqualTo("far");

    assertThat(count("cache.tier.promotions", "tier", "near")).isEqualTo(1);
    assertThat(count("cache.tier.promotions", "tier", "local")).isEqualTo(1);
    // Nothing is ever promoted into the lowest tier, so it has no such meter.
    assertThat(registry.find("cache.tier.promotions").tag("tier", "far").counters()).isEmpty();
  }

  @Test
  void invalidationsReceived_countKeysAnotherInstanceChanged() {
    MultiLevelCache<String, String> other =
        unbound(builder().tier(Tiers.capturing("memory", store)));
    Tiers.Capturing tiers = Tiers.capturing("memory", store);
    MultiLevelCache<String, String> cache = bound(builder().loader(loader).tier(tiers));
    cache.put("k", "mine");

    other.put("k", "theirs");
    tiers.tier().sink().invalidate(List.of("x", "y"));

    assertThat(count("cache.tier.invalidations.received", "tier", "memory")).isEqualTo(3);
    assertThat(cache.lookup("k").tier()).isEqualTo("memory");
  }

  @Test
  void flushes_countByReason_aLostConnectionAndAFlushByAnotherInstance() {
    MultiLevelCache<String, String> other =
        unbound(builder().tier(Tiers.capturing("memory", store)));
    Tiers.Capturing tiers = Tiers.capturing("memory", store);
    MultiLevelCache<String, String> cache = bound(builder().tier(tiers));

    tiers.tier().sink().invalidateAll("disconnect"); // what the Redis tier reports on reconnect
    other.invalidateAll(); // announced to this instance as "flushall"

    assertThat(count("cache.tier.flushes", "tier", "memory", "reason", "disconnect")).isEqualTo(1);
    assertThat(count("cache.tier.flushes", "tier", "memory", "reason", "flushall")).isEqualTo(1);
    assertThat(cache.advanced().estimatedLocalSize()).isZero();
  }

  @Test
  void flushes_manyDistinctReasons_areCappedUnderOther() {
    Tiers.Capturing tiers = Tiers.capturing("memory", store);
    bound(builder().tier(tiers));

    for (int i = 0; i < 40; i++) {
      tiers.tier().sink().invalidateAll("reason-" + i);
    }

    assertThat(registry.find("cache.tier.flushes").counters()).hasSize(17);
    assertThat(count("cache.tier.flushes", "reason", "other")).isEqualTo(24);
  }

  @Test
  void decodeErrors_countCorruptEntries_readAsMisses() {
    MultiLevelCache<String, String> other =
        unbound(builder().tier(Tiers.capturing("memory", store)));
    MultiLevelCache<String, String> cache = bound(builder().tier(Tiers.capturing("memory", store)));
    other.put("k", "v");
    store.corrupt("shared:k", new byte[] {(byte) 0xC3, (byte) 0x28});

    assertThat(cache.getIfPresent("k")).isNull();

    assertThat(count("cache.tier.decode.errors", "tier", "memory")).isEqualTo(1);
    assertThat(count("cache.tier.gets", "tier", "memory", "result", "miss")).isEqualTo(1);
  }

  @Test
  void valuesTooLarge_countValuesTheLocalTierKeptOut() {
    MultiLevelCache<String, String> cache =
        bound(builder().maximumWeight(1_000, (key, value) -> value.length()).maximumValueWeight(5));

    cache.put("small", "1234");
    cache.put("large", "0123456789");

    assertThat(count("cache.tier.values.too.large", "tier", "local")).isEqualTo(1);
  }

  @Test
  void health_gaugeFollowsTheTier_downWhileItFails() {
    bound(builder().tier(Tiers.capturing("memory", store)));

    assertThat(registry.get("cache.tier.health").tag("tier", "memory").gauge().value()).isZero();
    store.failWith(DOWN);
    assertThat(registry.get("cache.tier.health").tag("tier", "memory").gauge().value())
        .isEqualTo(2);
    store.failWith(null);
    assertThat(registry.get("cache.tier.health").tag("tier", "memory").gauge().value()).isZero();
    assertThat(registry.find("cache.tier.health").tag("tier", "local").gauges()).isEmpty();
  }

  @Test
  void healthTransitions_countEachChangeTheTierReports_byStateEntered() {
    Tiers.Capturing tiers = Tiers.capturing("memory", store);
    bound(builder().tier(tiers));
    CacheObserverFromTier events = new CacheObserverFromTier(tiers);

    // The sequence a breaker reports: open, half-open, closed, open again.
    events.healthChanged(TierHealth.down("breaker open"));
    events.healthChanged(TierHealth.degraded("half-open"));
    events.healthChanged(TierHealth.up());
    events.healthChanged(TierHealth.down("breaker open"));

    assertThat(count("cache.tier.health.transitions", "tier", "memory", "state", "down"))
        .isEqualTo(2);
    assertThat(count("cache.tier.health.transitions", "tier", "memory", "state", "degraded"))
        .isEqualTo(1);
    assertThat(count("cache.tier.health.transitions", "tier", "memory", "state", "up"))
        .isEqualTo(1);
  }

  /** Reports events through the context the cache gave its tier, as the Redis tier does. */
  private record CacheObserverFromTier(Tiers.Capturing tiers) {
    void healthChanged(TierHealth health) {
      tiers.context().observer().healthChanged(tiers.tier().name(), health);
    }
  }

  @Test
  void coalescedWaits_countCallersThatJoinedALoadUnderWay() {
    Queue<Runnable> queued = new ArrayDeque<>();
    MultiLevelCache<String, String> cache =
        bound(
            MultiLevelCache.<String, String>builder("shared")
                .ticker(ticker)
                .executor(queued::add)
                .loader(loader));

    CompletableFuture<String> first = cache.getAsync("k");
    CompletableFuture<String> second = cache.getAsync("k");
    drain(queued);

    assertThat(count("cache.coalesced.waits")).isEqualTo(1);
    assertThat(first.join()).isEqualTo(second.join()).isEqualTo("loaded-k");
    assertThat(timer("cache.loads", "result", "success").count()).isEqualTo(1);
  }

  private static void drain(Queue<Runnable> queued) {
    for (Runnable task = queued.poll(); task != null; task = queued.poll()) {
      task.run();
    }
  }

  @Test
  void loads_timeEachLoaderCall_byResult() {
    MultiLevelCache<String, String> cache =
        bound(
            builder()
                .loader(
                    key -> {
                      ticker.advance(Duration.ofMillis(40));
                      if (key.startsWith("bad")) {
                        throw new IllegalStateException("source down");
                      }
                      return "v";
                    }));

    cache.get("good");
    assertThatThrownBy(() -> cache.get("bad")).isInstanceOf(IllegalStateException.class);

    assertThat(timer("cache.loads", "result", "success").count()).isEqualTo(1);
    assertThat(timer("cache.loads", "result", "success").totalTime(TimeUnit.MILLISECONDS))
        .isEqualTo(40);
    assertThat(timer("cache.loads", "result", "failure").count()).isEqualTo(1);
  }

  @Test
  void refreshes_countBackgroundReloads_byResult() {
    boolean[] failing = {false};
    MultiLevelCache<String, String> cache =
        bound(
            builder()
                .loader(
                    key -> {
                      if (failing[0]) {
                        throw new IllegalStateException("source down");
                      }
                      return "v";
                    }));
    cache.put("k", "old");

    cache.advanced().refresh("k").join();
    failing[0] = true;
    cache.advanced().refresh("k").exceptionally(error -> null).join();

    assertThat(count("cache.refreshes", "result", "success")).isEqualTo(1);
    assertThat(count("cache.refreshes", "result", "failure")).isEqualTo(1);
  }

  @Test
  void staleServed_whileRevalidating() {
    MultiLevelCache<String, String> cache =
        bound(builder().staleWhileRevalidate(Duration.ofMinutes(1)).loader(loader));
    cache.put("k", "old");
    ticker.advance(Duration.ofMinutes(10).plusSeconds(1));

    assertThat(cache.get("k")).isEqualTo("old");

    assertThat(count("cache.stale.served", "cause", "revalidate")).isEqualTo(1);
    assertThat(count("cache.refreshes", "result", "success")).isEqualTo(1);
  }

  @Test
  void staleServed_whenTheLoaderFails() {
    MultiLevelCache<String, String> cache =
        bound(
            builder()
                .staleIfError(Duration.ofMinutes(5))
                .loader(
                    key -> {
                      throw new IllegalStateException("source down");
                    }));
    cache.put("k", "old");
    ticker.advance(Duration.ofMinutes(11));

    assertThat(cache.get("k")).isEqualTo("old");

    assertThat(count("cache.stale.served", "cause", "error")).isEqualTo(1);
    assertThat(timer("cache.loads", "result", "failure").count()).isEqualTo(1);
  }

  @Test
  void staleServed_whenTheSoftLoadTimeoutPasses() {
    ManualScheduler scheduler = new ManualScheduler(ticker);
    Queue<Runnable> queued = new ArrayDeque<>();
    MultiLevelCache<String, String> cache =
        bound(
            MultiLevelCache.<String, String>builder("shared")
                .ticker(ticker)
                .scheduler(scheduler)
                .executor(queued::add)
                .ttl(Duration.ofMinutes(10))
                .staleIfError(Duration.ofMinutes(5))
                .softLoadTimeout(Duration.ofMillis(200))
                .loader(loader));
    cache.put("k", "old");
    ticker.advance(Duration.ofMinutes(11));

    CompletableFuture<String> answer = cache.getAsync("k");
    scheduler.advance(Duration.ofMillis(200)); // the load is still queued

    assertThat(answer).isCompletedWithValue("old");
    assertThat(count("cache.stale.served", "cause", "timeout")).isEqualTo(1);
    drain(queued);
  }

  @Test
  void staleServed_isRegisteredOnlyOnceACauseHappens() {
    bound(builder().loader(loader));

    assertThat(registry.find("cache.stale.served").counters()).isEmpty();
  }

  @Test
  void recording_neverFails_forATierTheBinderDidNotSee() {
    Tiers.Capturing tiers = Tiers.capturing("memory", store);
    bound(builder().tier(tiers));
    int meters = registry.getMeters().size();

    tiers.context().observer().tierHit("unknown");
    tiers.context().observer().decodeError("local");
    tiers.context().observer().invalidationReceived("unknown", 3);

    assertThat(registry.getMeters()).hasSize(meters);
    assertThat(count("cache.tier.gets", "tier", "memory", "result", "hit")).isZero();
  }
}
