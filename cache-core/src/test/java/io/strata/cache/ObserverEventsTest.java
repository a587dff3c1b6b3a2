package io.strata.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.cache.codec.Codec;
import io.strata.cache.testkit.FakeTicker;
import io.strata.cache.testkit.InMemoryTier;
import io.strata.cache.testkit.ManualScheduler;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** What an observer hears, with which arguments, for each thing a cache and its tiers do. */
class ObserverEventsTest {

  private final FakeTicker ticker = new FakeTicker();
  private final InMemoryTier.Store memoryStore = new InMemoryTier.Store();
  private final InMemoryTier.Store diskStore = new InMemoryTier.Store();
  private final Recorder events = new Recorder();
  private final AtomicInteger loads = new AtomicInteger();
  private volatile boolean failing;

  /** Loads "loaded-KEY", taking 7 ms of the fake clock, or throws after 3 ms when failing. */
  private final Loader<String, String> loader =
      key -> {
        loads.incrementAndGet();
        if (failing) {
          ticker.advance(Duration.ofMillis(3));
          throw new IllegalStateException("source down");
        }
        ticker.advance(Duration.ofMillis(7));
        return "loaded-" + key;
      };

  /** Records every event as text, e.g. {@code promotion(local)}. */
  static final class Recorder implements CacheObserver {
    private final List<String> all = new CopyOnWriteArrayList<>();

    /** Returns the events of one kind, in the order they happened. */
    List<String> of(String kind) {
      return all.stream().filter(e -> e.startsWith(kind + "(")).toList();
    }

    @Override
    public void tierHit(String tier) {
      all.add("tierHit(" + tier + ")");
    }

    @Override
    public void tierMiss(String tier) {
      all.add("tierMiss(" + tier + ")");
    }

    @Override
    public void promotion(String tier) {
      all.add("promotion(" + tier + ")");
    }

    @Override
    public void coalescedWait() {
      all.add("coalescedWait()");
    }

    @Override
    public void load(boolean success, long nanos) {
      all.add("load(" + success + ", " + nanos + ")");
    }

    @Override
    public void refresh(boolean success) {
      all.add("refresh(" + success + ")");
    }

    @Override
    public void staleServed(String cause) {
      all.add("staleServed(" + cause + ")");
    }

    @Override
    public void invalidationReceived(String tier, int keys) {
      all.add("invalidationReceived(" + tier + ", " + keys + ")");
    }

    @Override
    public void flush(String tier, String reason) {
      all.add("flush(" + tier + ", " + reason + ")");
    }

    @Override
    public void valueTooLarge(String tier) {
      all.add("valueTooLarge(" + tier + ")");
    }
  }

  private MultiLevelCacheBuilder<String, String> plain() {
    return MultiLevelCache.<String, String>builder("observed")
        .ticker(ticker)
        .executor(Runnable::run)
        .ttl(Duration.ofMinutes(1))
        .loader(loader);
  }

  private static TierFactory<String, String> memory(InMemoryTier.Store store) {
    return InMemoryTier.factory("memory", store, Codec.utf8(), InMemoryTier.Echo.OTHERS_ONLY);
  }

  private static TierFactory<String, String> disk(InMemoryTier.Store store) {
    return InMemoryTier.factory("disk", store, Codec.utf8(), InMemoryTier.Echo.OTHERS_ONLY);
  }

  /** Wraps {@code factory} to keep the sink its tier reports to. */
  private static TierFactory<String, String> capturingSink(
      TierFactory<String, String> factory, AtomicReference<InvalidationSink<String>> sink) {
    return context -> {
      sink.set(context.invalidations());
      return factory.create(context);
    };
  }

  private MultiLevelCache<String, String> observed(MultiLevelCache<String, String> cache) {
    cache.advanced().addObserver(events);
    return cache;
  }

  // ---------------------------------------------------------------- promotion

  @Test
  void aLowerTierHit_isPromotedToTheLocalTier_andObservedAsPromotionToLocal() {
    try (MultiLevelCache<String, String> other = plain().tier(memory(memoryStore)).build();
        MultiLevelCache<String, String> cache =
            observed(plain().tier(memory(memoryStore)).build())) {
      other.put("k", "v");

      assertThat(cache.get("k")).isEqualTo("v");

      assertThat(events.of("promotion")).containsExactly("promotion(local)");
      assertThat(cache.lookup("k").tier()).isEqualTo("local");
    }
  }

  @Test
  void aHitInTheLowestTier_isPromotedThroughTheIntermediateTier_thenToLocal() {
    try (MultiLevelCache<String, String> other = plain().tier(disk(diskStore)).build();
        MultiLevelCache<String, String> cache =
            observed(plain().tier(memory(memoryStore)).tier(disk(diskStore)).build())) {
      other.put("k", "v");

      assertThat(cache.get("k")).isEqualTo("v");

      assertThat(events.of("promotion")).containsExactly("promotion(memory)", "promotion(local)");
      assertThat(memoryStore.size()).isEqualTo(1);
      assertThat(loads).hasValue(0);
    }
  }

  // ---------------------------------------------------------------- stale serving

  @Test
  void anExpiredLowerTierEntryWithinItsRevalidationWindow_isServedStaleAndPromoted_thenRefreshed() {
    try (MultiLevelCache<String, String> other =
            plain().staleWhileRevalidate(Duration.ofMinutes(1)).tier(memory(memoryStore)).build();
        MultiLevelCache<String, String> cache =
            observed(
                plain()
                    .staleWhileRevalidate(Duration.ofMinutes(1))
                    .tier(memory(memoryStore))
                    .build())) {
      other.put("k", "v");
      ticker.advance(Duration.ofSeconds(90));

      assertThat(cache.get("k")).isEqualTo("v");

      assertThat(events.of("staleServed")).containsExactly("staleServed(revalidate)");
      assertThat(events.of("promotion")).containsExactly("promotion(local)");
      assertThat(events.of("refresh")).containsExactly("refresh(true)");
      assertThat(cache.get("k")).isEqualTo("loaded-k");
    }
  }

  @Test
  void aFailedLoadWithinTheStaleIfErrorWindow_servesTheOldValue_observedAsStaleServedForError() {
    try (MultiLevelCache<String, String> cache =
        observed(plain().staleIfError(Duration.ofMinutes(5)).build())) {
      cache.get("k");
      ticker.advance(Duration.ofSeconds(61));
      failing = true;

      assertThat(cache.get("k")).isEqualTo("loaded-k");

      assertThat(events.of("staleServed")).containsExactly("staleServed(error)");
      assertThat(events.of("load")).containsExactly("load(true, 7000000)", "load(false, 3000000)");
    }
  }

  @Test
  void aLoadPastTheSoftTimeout_servesTheOldValue_observedAsStaleServedForTimeout() {
    ManualScheduler scheduler = new ManualScheduler(ticker);
    Queue<Runnable> tasks = new ArrayDeque<>();
    try (MultiLevelCache<String, String> cache =
        observed(
            MultiLevelCache.<String, String>builder("observed")
                .ticker(ticker)
                .scheduler(scheduler)
                .executor(tasks::add)
                .ttl(Duration.ofMinutes(1))
                .staleIfError(Duration.ofMinutes(5))
                .softLoadTimeout(Duration.ofSeconds(1))
                .loader(loader)
                .build())) {
      CompletableFuture<@Nullable String> first = cache.getAsync("k");
      runAll(tasks);
      assertThat(first).isCompletedWithValue("loaded-k");
      ticker.advance(Duration.ofSeconds(61));

      CompletableFuture<@Nullable String> slow = cache.getAsync("k");
      assertThat(slow).isNotDone();
      scheduler.advance(Duration.ofSeconds(1));

      assertThat(slow).isCompletedWithValue("loaded-k");
      assertThat(events.of("staleServed")).containsExactly("staleServed(timeout)");
      runAll(tasks);
    }
  }

  // ---------------------------------------------------------------- loads and refreshes

  @Test
  void aLoad_isObservedWithItsOutcome_andTheTimeTheLoaderTook() {
    try (MultiLevelCache<String, String> cache = observed(plain().build())) {
      cache.get("a");
      failing = true;
      assertThatThrownBy(() -> cache.get("b")).isInstanceOf(IllegalStateException.class);

      assertThat(events.of("load")).containsExactly("load(true, 7000000)", "load(false, 3000000)");
    }
  }

  @Test
  void aSuccessfulRefresh_isObservedAsRefreshSucceeded() {
    try (MultiLevelCache<String, String> cache = observed(plain().build())) {
      cache.get("k");

      assertThat(cache.advanced().refresh("k")).isCompletedWithValue("loaded-k");

      assertThat(events.of("refresh")).containsExactly("refresh(true)");
      assertThat(loads).hasValue(2);
    }
  }

  @Test
  void aFailedRefreshOfAnAbsentKey_isObservedAsRefreshFailed_andFailsItsFuture() {
    try (MultiLevelCache<String, String> cache = observed(plain().build())) {
      failing = true;

      CompletableFuture<@Nullable String> refresh = cache.advanced().refresh("k");

      assertThat(refresh).isCompletedExceptionally();
      assertThatThrownBy(refresh::join)
          .isInstanceOf(CompletionException.class)
          .hasCauseInstanceOf(IllegalStateException.class);
      assertThat(events.of("refresh")).containsExactly("refresh(false)");
    }
  }

  @Test
  void aFailedRefreshOfACachedKey_isObservedAsRefreshFailed_andLeavesTheEntryAsItWas() {
    try (MultiLevelCache<String, String> cache = observed(plain().build())) {
      cache.get("k");
      failing = true;

      CompletableFuture<@Nullable String> refresh = cache.advanced().refresh("k");

      assertThat(events.of("refresh")).containsExactly("refresh(false)");
      assertThatThrownBy(refresh::join).hasRootCauseMessage("source down");
      assertThat(cache.getIfPresent("k")).isEqualTo("loaded-k");
    }
  }

  @Test
  void aPromotionTheLocalTierRefuses_isNotObservedAsAPromotion() {
    try (MultiLevelCache<String, String> writer =
            plain().tier(memory(memoryStore)).build();
        MultiLevelCache<String, String> cache =
            observed(
                plain()
                    .maximumWeight(1_000, (key, value) -> value.length())
                    .maximumValueWeight(3)
                    .tier(memory(memoryStore))
                    .build())) {
      writer.put("k", "too heavy");

      assertThat(cache.getIfPresent("k")).isEqualTo("too heavy");

      assertThat(events.of("valueTooLarge")).containsExactly("valueTooLarge(local)");
      assertThat(events.of("promotion")).isEmpty();
    }
  }

  // ---------------------------------------------------------------- invalidations and flushes

  @Test
  void invalidationsFromATier_areObservedWithTheTiersNameAndTheNumberOfKeys() {
    AtomicReference<InvalidationSink<String>> memorySink = new AtomicReference<>();
    try (MultiLevelCache<String, String> cache =
        observed(plain().tier(capturingSink(memory(memoryStore), memorySink)).build())) {
      cache.put("a", "A");
      cache.put("b", "B");

      memorySink.get().invalidate(List.of("a", "b"));

      assertThat(events.of("invalidationReceived"))
          .containsExactly("invalidationReceived(memory, 2)");
      // Only the tiers above the reporting one forget the keys.
      assertThat(cache.lookup("a").tier()).isEqualTo("memory");
    }
  }

  @Test
  void invalidationsFromTheSecondTier_areObservedWithItsName() {
    AtomicReference<InvalidationSink<String>> diskSink = new AtomicReference<>();
    try (MultiLevelCache<String, String> cache =
        observed(
            plain()
                .tier(memory(memoryStore))
                .tier(capturingSink(disk(diskStore), diskSink))
                .build())) {
      cache.put("a", "A");

      diskSink.get().invalidate(List.of("a"));

      assertThat(events.of("invalidationReceived"))
          .containsExactly("invalidationReceived(disk, 1)");
      assertThat(cache.lookup("a").tier()).isEqualTo("disk");
    }
  }

  @Test
  void aSuspensionAndAFlushFromATier_areObservedAsFlushesWithTheTiersNameAndTheReason() {
    AtomicReference<InvalidationSink<String>> memorySink = new AtomicReference<>();
    try (MultiLevelCache<String, String> cache =
        observed(plain().tier(capturingSink(memory(memoryStore), memorySink)).build())) {
      InvalidationSink<String> sink = memorySink.get();

      sink.suspend("disconnect"); // shielding: kept until it hears again
      sink.resume();
      sink.invalidateAll("flushall");

      assertThat(events.of("flush"))
          .containsExactly("flush(memory, resume)", "flush(memory, flushall)");
    }
  }

  @Test
  void inStrictMode_aSuspensionIsObservedAsAFlushWithItsReason() {
    AtomicReference<InvalidationSink<String>> memorySink = new AtomicReference<>();
    try (MultiLevelCache<String, String> cache =
        observed(
            plain()
                .strictCoherence()
                .tier(capturingSink(memory(memoryStore), memorySink))
                .build())) {
      InvalidationSink<String> sink = memorySink.get();

      sink.suspend("disconnect");
      sink.resume();

      assertThat(events.of("flush")).containsExactly("flush(memory, disconnect)");
    }
  }

  // ---------------------------------------------------------------- misses and waits

  @Test
  void getIfPresent_ofAnAbsentKey_isObservedAsALocalMiss() {
    try (MultiLevelCache<String, String> cache = observed(plain().build())) {
      assertThat(cache.getIfPresent("absent")).isNull();

      assertThat(events.of("tierMiss")).containsExactly("tierMiss(local)");
    }
  }

  @Test
  void aCallerJoiningALoadUnderWay_isObservedAsACoalescedWait() {
    Queue<Runnable> tasks = new ArrayDeque<>();
    try (MultiLevelCache<String, String> cache =
        observed(
            MultiLevelCache.<String, String>builder("observed")
                .ticker(ticker)
                .executor(tasks::add)
                .loader(loader)
                .build())) {
      CompletableFuture<@Nullable String> leader = cache.getAsync("k");
      CompletableFuture<@Nullable String> follower = cache.getAsync("k");

      assertThat(events.of("coalescedWait")).containsExactly("coalescedWait()");
      runAll(tasks);
      assertThat(leader).isCompletedWithValue("loaded-k");
      assertThat(follower).isCompletedWithValue("loaded-k");
      assertThat(loads).hasValue(1);
    }
  }

  private static void runAll(Queue<Runnable> tasks) {
    for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
      task.run();
    }
  }
}
