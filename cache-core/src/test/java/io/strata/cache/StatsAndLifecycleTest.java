package io.strata.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.strata.cache.codec.Codec;
import io.strata.cache.testkit.FakeTicker;
import io.strata.cache.testkit.InMemoryTier;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The counters a cache keeps, and what it does once closed. */
class StatsAndLifecycleTest {

  private final FakeTicker ticker = new FakeTicker();
  private final InMemoryTier.Store store = new InMemoryTier.Store();
  private final AtomicInteger loads = new AtomicInteger();
  private volatile boolean failing;

  /** Loads "vN" (N counting the loads), taking 7 ms of the fake clock, or throws after 3 ms. */
  private final Loader<String, String> loader =
      key -> {
        int n = loads.incrementAndGet();
        if (failing) {
          ticker.advance(Duration.ofMillis(3));
          throw new IllegalStateException("source down");
        }
        ticker.advance(Duration.ofMillis(7));
        return "v" + n;
      };

  private MultiLevelCacheBuilder<String, String> builder() {
    return MultiLevelCache.<String, String>builder("counted")
        .ticker(ticker)
        .executor(Runnable::run)
        .ttl(Duration.ofMinutes(1));
  }

  private static TierFactory<String, String> memory(InMemoryTier.Store store) {
    return InMemoryTier.factory("memory", store, Codec.utf8(), InMemoryTier.Echo.OTHERS_ONLY);
  }

  // ---------------------------------------------------------------- stats

  @Test
  void getIfPresent_countsALowerTierHitAsAHit_andAnAbsentKeyAsAMiss() {
    try (MultiLevelCache<String, String> other = builder().tier(memory(store)).build();
        MultiLevelCache<String, String> cache = builder().tier(memory(store)).build()) {
      other.put("k", "v");

      assertThat(cache.getIfPresent("k")).isEqualTo("v");
      assertThat(cache.stats().hitCount()).isEqualTo(1);
      assertThat(cache.stats().missCount()).isZero();

      assertThat(cache.getIfPresent("absent")).isNull();
      assertThat(cache.stats().hitCount()).isEqualTo(1);
      assertThat(cache.stats().missCount()).isEqualTo(1);
    }
  }

  /**
   * How long the local tier keeps an entry decides how a local hit is checked: an entry kept only
   * while fresh, one kept past its expiry for stale serving, one read with refresh-ahead on.
   */
  enum Retention {
    WHILE_FRESH(b -> b),
    PAST_EXPIRY(b -> b.staleIfError(Duration.ofMinutes(5))),
    WITH_REFRESH_AHEAD(b -> b.refreshAhead(RefreshAhead.atFraction(0.9)));

    final UnaryOperator<MultiLevelCacheBuilder<String, String>> configure;

    Retention(UnaryOperator<MultiLevelCacheBuilder<String, String>> configure) {
      this.configure = configure;
    }
  }

  @ParameterizedTest
  @EnumSource(Retention.class)
  void localHits_throughGetLookupAndGetAsync_areEachCounted(Retention retention) {
    try (MultiLevelCache<String, String> cache =
        retention.configure.apply(builder().loader(loader)).build()) {
      cache.put("k", "v");

      assertThat(cache.get("k")).isEqualTo("v");
      assertThat(cache.advanced().localHitCount()).isEqualTo(1);
      assertThat(cache.stats().hitCount()).isEqualTo(1);

      assertThat(cache.lookup("k")).isEqualTo(new Lookup<>("v", "local", false));
      assertThat(cache.advanced().localHitCount()).isEqualTo(2);
      assertThat(cache.stats().hitCount()).isEqualTo(2);

      assertThat(cache.getAsync("k")).isCompletedWithValue("v");
      assertThat(cache.advanced().localHitCount()).isEqualTo(3);
      assertThat(cache.stats().hitCount()).isEqualTo(3);

      assertThat(cache.stats().missCount()).isZero();
      assertThat(loads).hasValue(0);
    }
  }

  @Test
  void totalLoadTime_isTheTimeSpentInTheLoader_successfulOrNot() {
    try (MultiLevelCache<String, String> cache = builder().loader(loader).build()) {
      cache.get("a");
      failing = true;
      assertThatThrownBy(() -> cache.get("b")).isInstanceOf(IllegalStateException.class);

      CacheStats stats = cache.stats();
      assertThat(stats.loadSuccessCount()).isEqualTo(1);
      assertThat(stats.loadFailureCount()).isEqualTo(1);
      assertThat(stats.totalLoadTime()).isEqualTo(Duration.ofMillis(10).toNanos());
    }
  }

  // ---------------------------------------------------------------- close

  @Test
  void afterClose_everyReadAndWriteThrows_whileNameAndStatsStillAnswer() {
    MultiLevelCache<String, String> cache = builder().loader(loader).tier(memory(store)).build();
    cache.put("k", "v");
    cache.close();
    CacheStats atClose = cache.stats();

    Map<String, Executable> calls = new LinkedHashMap<>();
    calls.put("get", () -> cache.get("k"));
    calls.put("get(key, loader)", () -> cache.get("k", loader));
    calls.put("getAsync", () -> cache.getAsync("k"));
    calls.put("lookup", () -> cache.lookup("k"));
    calls.put("getIfPresent", () -> cache.getIfPresent("k"));
    calls.put("getAll", () -> cache.getAll(List.of("k")));
    calls.put("getAllAsync", () -> cache.getAllAsync(List.of("k")));
    calls.put("put", () -> cache.put("k", "w"));
    calls.put("put with ttl", () -> cache.put("k", "w", Duration.ofMinutes(1)));
    calls.put("putAll", () -> cache.putAll(Map.of("k", "w")));
    calls.put("invalidate", () -> cache.invalidate("k"));
    calls.put("invalidateAll", cache::invalidateAll);
    calls.put("refresh", () -> cache.advanced().refresh("k"));
    calls.forEach(
        (method, call) ->
            assertThatThrownBy(call::execute)
                .as(method)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("counted"));

    assertThat(cache.name()).isEqualTo("counted");
    assertThat(cache.stats()).isEqualTo(atClose);
    assertThat(loads).hasValue(0);
  }

  @Test
  void afterClose_getAllWithoutALoaderThrowsToo() {
    MultiLevelCache<String, String> cache = builder().tier(memory(store)).build();
    cache.put("k", "v");
    cache.close();

    assertThatThrownBy(() -> cache.getAll(List.of("k"))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> cache.getAllAsync(List.of("k")))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void close_closesEachLowerTierExactlyOnce_evenWhenCalledTwice() {
    ClosingTier memory = new ClosingTier("memory");
    ClosingTier disk = new ClosingTier("disk");
    MultiLevelCache<String, String> cache =
        builder().tier(context -> memory).tier(context -> disk).build();

    cache.close();
    cache.close();

    assertThat(memory.closed).hasValue(1);
    assertThat(disk.closed).hasValue(1);
  }

  @Test
  void buildingWithTwoTiersOfOneName_throws_andClosesTheTiersAlreadyCreated() {
    ClosingTier first = new ClosingTier("memory");
    ClosingTier second = new ClosingTier("disk");
    ClosingTier duplicate = new ClosingTier("memory");
    MultiLevelCacheBuilder<String, String> builder =
        builder().tier(context -> first).tier(context -> second).tier(context -> duplicate);

    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'memory'")
        .hasMessageContaining("counted");

    assertThat(first.closed).hasValue(1);
    assertThat(second.closed).hasValue(1);
    assertThat(duplicate.closed).hasValue(1);
  }

  @Test
  void buildingWithALowerTierNamedLocal_throws_andClosesIt() {
    ClosingTier impostor = new ClosingTier("local");

    assertThatThrownBy(() -> builder().tier(context -> impostor).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'local'");
    assertThat(impostor.closed).hasValue(1);
  }

  // ---------------------------------------------------------------- description

  @Test
  void tierNames_listTheLocalTierFirst_thenTheLowerTiersInTheOrderAdded() {
    try (MultiLevelCache<String, String> cache =
        builder()
            .tier(context -> new ClosingTier("memory"))
            .tier(context -> new ClosingTier("disk"))
            .build()) {
      assertThat(cache.advanced().tierNames()).containsExactly("local", "memory", "disk");
    }
  }

  @Test
  void toString_namesTheCacheAndItsTiers() {
    try (MultiLevelCache<String, String> cache =
        builder()
            .tier(context -> new ClosingTier("memory"))
            .tier(context -> new ClosingTier("disk"))
            .build()) {
      assertThat(cache.toString()).contains("counted", "local", "memory", "disk");
    }
  }

  // ---------------------------------------------------------------- async reads

  @Test
  void getAllAsync_withoutALoader_returnsWhatTheTiersHave_inTheOrderOfTheKeys() {
    try (MultiLevelCache<String, String> other = builder().tier(memory(store)).build();
        MultiLevelCache<String, String> cache = builder().tier(memory(store)).build()) {
      other.put("below", "B");
      cache.put("local", "L");

      CompletableFuture<Map<String, String>> all =
          cache.getAllAsync(List.of("absent", "below", "local"));

      assertThat(all).isCompleted();
      assertThat(all.join()).containsExactly(entry("below", "B"), entry("local", "L"));
    }
  }

  @Test
  void getAsync_ofAFreshLocalEntryPastTheRefreshFraction_reloadsItInTheBackground() {
    Queue<Runnable> tasks = new ArrayDeque<>();
    try (MultiLevelCache<String, String> cache =
        MultiLevelCache.<String, String>builder("counted")
            .ticker(ticker)
            .executor(tasks::add)
            .ttl(Duration.ofMinutes(1))
            .refreshAhead(RefreshAhead.atFraction(0.5))
            .loader(loader)
            .build()) {
      CompletableFuture<@Nullable String> first = cache.getAsync("k");
      runAll(tasks);
      assertThat(first).isCompletedWithValue("v1");

      ticker.advance(Duration.ofSeconds(10));
      assertThat(cache.getAsync("k")).isCompletedWithValue("v1");
      assertThat(tasks).as("no reload before half the lifetime").isEmpty();

      ticker.advance(Duration.ofSeconds(21));
      assertThat(cache.getAsync("k")).isCompletedWithValue("v1");
      assertThat(tasks).as("a reload, queued").hasSize(1);
      runAll(tasks);

      assertThat(loads).hasValue(2);
      assertThat(cache.getAsync("k")).isCompletedWithValue("v2");
    }
  }

  private static void runAll(Queue<Runnable> tasks) {
    for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
      task.run();
    }
  }

  /** A lower tier that counts how often it is closed. */
  private static final class ClosingTier implements CacheTier<String, String> {
    private final String name;
    private final Map<String, CacheEntry<String>> entries = new ConcurrentHashMap<>();
    final AtomicInteger closed = new AtomicInteger();

    ClosingTier(String name) {
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public @Nullable CacheEntry<String> get(String key) {
      return entries.get(key);
    }

    @Override
    public void put(String key, CacheEntry<String> entry) {
      entries.put(key, entry);
    }

    @Override
    public void invalidate(String key) {
      entries.remove(key);
    }

    @Override
    public void invalidateAll() {
      entries.clear();
    }

    @Override
    public void close() {
      closed.incrementAndGet();
    }
  }
}
