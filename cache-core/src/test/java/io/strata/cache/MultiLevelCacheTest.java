package io.strata.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.cache.testkit.FakeTicker;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MultiLevelCacheTest {

  private final FakeTicker ticker = new FakeTicker();
  private final AtomicInteger loads = new AtomicInteger();
  private final Loader<String, String> loader =
      key -> {
        loads.incrementAndGet();
        return key.startsWith("missing") ? null : "value-of-" + key;
      };

  private MultiLevelCacheBuilder<String, String> builder() {
    return MultiLevelCache.<String, String>builder("test")
        .ticker(ticker)
        .executor(Runnable::run)
        .ttl(Duration.ofMinutes(1));
  }

  // A README snippet is copied from here: keep it ten lines or fewer and compiling.
  @Test
  void readmeSnippet_compilesAndWorks() {
    Map<String, String> database = Map.of("42", "Ada");
    // --- README snippet begins
    MultiLevelCache<String, String> users =
        MultiLevelCache.<String, String>builder("users")
            .maximumSize(10_000)
            .ttl(Duration.ofMinutes(10))
            .localTtl(Duration.ofSeconds(30))
            .staleIfError(Duration.ofMinutes(5))
            .loader(database::get)
            .build();
    String name = users.get("42"); // loaded once, then served from memory
    // --- README snippet ends
    assertThat(name).isEqualTo("Ada");
    assertThat(users.lookup("42").tier()).isEqualTo("local");
    users.close();
  }

  // Reading the clock costs about as much as the rest of a local hit (benchmarks/README.md).
  @Test
  void localHit_readsTheClockAtMostOnce_andNeverServesAnExpiredEntry() {
    AtomicInteger reads = new AtomicInteger();
    Ticker counting =
        () -> {
          reads.incrementAndGet();
          return ticker.read();
        };
    try (MultiLevelCache<String, String> cache =
        MultiLevelCache.<String, String>builder("clock")
            .ticker(counting)
            .executor(Runnable::run)
            .ttl(Duration.ofMinutes(1))
            .loader(loader)
            .build()) {
      cache.get("a");
      reads.set(0);
      assertThat(cache.get("a")).isEqualTo("value-of-a");
      assertThat(cache.getIfPresent("a")).isEqualTo("value-of-a");
      assertThat(cache.lookup("a").tier()).isEqualTo("local");
      assertThat(reads).as("clock readings for three local hits").hasValueLessThanOrEqualTo(3);

      ticker.advance(Duration.ofMinutes(1));
      assertThat(cache.getIfPresent("a")).isNull();
      assertThat(cache.get("a")).isEqualTo("value-of-a");
      assertThat(loads).hasValue(2);
    }
  }

  @Test
  void localHit_onAnEntryKeptPastExpiry_checksFreshnessWithTheClock() {
    try (MultiLevelCache<String, String> cache =
        builder().staleIfError(Duration.ofMinutes(5)).loader(loader).build()) {
      cache.get("a");
      ticker.advance(Duration.ofMinutes(1));
      assertThat(cache.lookup("a").tier()).as("expired, so not a local hit").isNotEqualTo("local");
      assertThat(loads).hasValue(2);
    }
  }

  @Test
  void get_missThenHit_loadsOnce() {
    try (MultiLevelCache<String, String> cache = builder().loader(loader).build()) {
      assertThat(cache.get("a")).isEqualTo("value-of-a");
      assertThat(cache.get("a")).isEqualTo("value-of-a");

      assertThat(loads).hasValue(1);
      assertThat(cache.stats().hitCount()).isEqualTo(1);
      assertThat(cache.stats().missCount()).isEqualTo(1);
      assertThat(cache.stats().loadSuccessCount()).isEqualTo(1);
    }
  }

  @Test
  void get_withoutLoader_failsClearly() {
    try (MultiLevelCache<String, String> cache = builder().build()) {
      assertThatThrownBy(() -> cache.get("a"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("has no loader");
    }
  }

  @Test
  void get_cacheAsideLoader_usedOnMiss() {
    try (MultiLevelCache<String, String> cache = builder().build()) {
      assertThat(cache.get("a", k -> "aside-" + k)).isEqualTo("aside-a");
      assertThat(cache.get("a", k -> "never")).isEqualTo("aside-a");
    }
  }

  @Test
  void nullArguments_throwNullPointerExceptionNamingIt_andLoseNothing() {
    try (MultiLevelCache<String, String> cache = builder().loader(loader).build()) {
      cache.put("kept", "v");

      assertThatThrownBy(() -> cache.get(null)).isInstanceOf(NullPointerException.class).hasMessage("key");
      assertThatThrownBy(() -> cache.get("a", null)).hasMessage("loader");
      assertThatThrownBy(() -> cache.getIfPresent(null)).hasMessage("key");
      assertThatThrownBy(() -> cache.put(null, "v")).hasMessage("key");
      assertThatThrownBy(() -> cache.put("k", null)).hasMessage("value");
      assertThatThrownBy(() -> cache.put("k", "v", null)).hasMessage("ttl");
      assertThatThrownBy(() -> cache.invalidate(null)).hasMessage("key");
      assertThatThrownBy(() -> cache.getAll(null)).hasMessage("keys");
      assertThatThrownBy(() -> cache.getAll(java.util.Arrays.asList("a", null)))
          .hasMessageContaining("null key");
      Map<String, String> withNull = new HashMap<>();
      withNull.put("x", null);
      assertThatThrownBy(() -> cache.putAll(withNull)).hasMessageContaining("null value");
      assertThatThrownBy(() -> cache.put("k", "v", Duration.ZERO))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("ttl must be positive, but was PT0S");

      assertThat(cache.getIfPresent("kept")).isEqualTo("v");
      assertThat(cache.getIfPresent("x")).isNull();
    }
  }

  @Test
  void loaderReturningNull_withoutNegativeTtl_returnsNullAndIsNotCached() {
    try (MultiLevelCache<String, String> cache = builder().loader(loader).build()) {
      assertThat(cache.get("missing-1")).isNull();
      assertThat(cache.get("missing-1")).isNull();

      assertThat(loads).hasValue(2);
    }
  }

  @Test
  void loaderReturningNull_withNegativeTtl_isRememberedForThatLong() {
    try (MultiLevelCache<String, String> cache =
        builder().loader(loader).negativeTtl(Duration.ofSeconds(10)).build()) {
      assertThat(cache.get("missing-1")).isNull();
      assertThat(cache.get("missing-1")).isNull();
      assertThat(loads).hasValue(1);

      ticker.advance(Duration.ofSeconds(10));
      assertThat(cache.get("missing-1")).isNull();
      assertThat(loads).hasValue(2);
    }
  }

  @Test
  void loaderRuntimeException_reachesCallerUnchanged_andIsNotCached() {
    IllegalStateException boom = new IllegalStateException("boom");
    AtomicInteger calls = new AtomicInteger();
    try (MultiLevelCache<String, String> cache =
        builder()
            .loader(
                key -> {
                  if (calls.incrementAndGet() == 1) {
                    throw boom;
                  }
                  return "ok";
                })
            .build()) {
      assertThatThrownBy(() -> cache.get("a")).isSameAs(boom);
      assertThat(cache.get("a")).isEqualTo("ok");
      assertThat(cache.stats().loadFailureCount()).isEqualTo(1);
    }
  }

  @Test
  void loaderCheckedException_isWrappedInCompletionException() {
    IOException io = new IOException("disk");
    try (MultiLevelCache<String, String> cache =
        builder()
            .loader(
                key -> {
                  throw io;
                })
            .build()) {
      assertThatThrownBy(() -> cache.get("a"))
          .isInstanceOf(CompletionException.class)
          .hasCause(io);
    }
  }

  @Test
  void put_thenGetIfPresent_andInvalidate() {
    try (MultiLevelCache<String, String> cache = builder().build()) {
      cache.put("k", "v");
      assertThat(cache.getIfPresent("k")).isEqualTo("v");

      cache.invalidate("k");
      assertThat(cache.getIfPresent("k")).isNull();
      assertThat(cache.stats().putCount()).isEqualTo(1);
    }
  }

  @Test
  void putAll_andInvalidateAll() {
    try (MultiLevelCache<String, String> cache = builder().build()) {
      cache.putAll(Map.of("a", "1", "b", "2"));
      assertThat(cache.getAll(List.of("a", "b", "c"))).containsOnly(Map.entry("a", "1"), Map.entry("b", "2"));

      cache.invalidateAll();
      assertThat(cache.getAll(List.of("a", "b"))).isEmpty();
    }
  }

  @Test
  void getAll_loadsMissingKeysWithOneLoadAll() {
    List<Set<? extends String>> batches = new ArrayList<>();
    Loader<String, String> bulk =
        new Loader<>() {
          @Override
          public String load(String key) {
            throw new AssertionError("getAll must use loadAll");
          }

          @Override
          public Map<String, String> loadAll(Set<? extends String> keys) {
            batches.add(Set.copyOf(keys));
            Map<String, String> result = new HashMap<>();
            keys.stream().filter(k -> !k.startsWith("missing")).forEach(k -> result.put(k, k.toUpperCase()));
            return result;
          }
        };
    try (MultiLevelCache<String, String> cache = builder().loader(bulk).build()) {
      cache.put("a", "cached");

      Map<String, String> values = cache.getAll(List.of("a", "b", "c", "missing", "b"));

      assertThat(values).containsOnly(Map.entry("a", "cached"), Map.entry("b", "B"), Map.entry("c", "C"));
      assertThat(batches).containsExactly(Set.of("b", "c", "missing"));
      assertThat(cache.getAll(List.of("b", "c"))).hasSize(2);
      assertThat(batches).hasSize(1);
    }
  }

  @Test
  void getAsync_completesWithTheValue_andCachesIt() throws Exception {
    try (MultiLevelCache<String, String> cache = builder().loader(loader).build()) {
      assertThat(cache.getAsync("a").get(10, TimeUnit.SECONDS)).isEqualTo("value-of-a");
      assertThat(cache.getAsync("a").get(10, TimeUnit.SECONDS)).isEqualTo("value-of-a");
      assertThat(cache.getAllAsync(List.of("a", "b")).get(10, TimeUnit.SECONDS))
          .containsOnly(Map.entry("a", "value-of-a"), Map.entry("b", "value-of-b"));
      assertThat(loads).hasValue(2);
    }
  }

  @Test
  void lookup_reportsTheTierOrAMiss() {
    try (MultiLevelCache<String, String> cache = builder().loader(loader).build()) {
      Lookup<String> first = cache.lookup("a");
      Lookup<String> second = cache.lookup("a");

      assertThat(first.value()).isEqualTo("value-of-a");
      assertThat(first.isHit()).isFalse();
      assertThat(first.tier()).isNull();
      assertThat(second.tier()).isEqualTo("local");
      assertThat(second.stale()).isFalse();
    }
  }

  @Test
  void writer_isCalledBeforeTheTiers_andAFailedWriteLeavesTheKeyForgotten() {
    Map<String, String> source = new ConcurrentHashMap<>();
    AtomicInteger failNext = new AtomicInteger();
    Writer<String, String> writer =
        new Writer<>() {
          @Override
          public void write(String key, String value) throws IOException {
            if (failNext.getAndSet(0) == 1) {
              throw new IOException("source down");
            }
            source.put(key, value);
          }

          @Override
          public void delete(String key) {
            if (failNext.getAndSet(0) == 1) {
              throw new IllegalStateException("source down");
            }
            source.remove(key);
          }
        };
    try (MultiLevelCache<String, String> cache = builder().writer(writer).build()) {
      cache.put("k", "v1");
      assertThat(source).containsEntry("k", "v1");

      failNext.set(1);
      assertThatThrownBy(() -> cache.put("k", "v2"))
          .isInstanceOf(CompletionException.class)
          .hasCauseInstanceOf(IOException.class);
      // The source may or may not have taken v2: the cache forgets rather than keep v1.
      assertThat(cache.getIfPresent("k")).isNull();
      assertThat(source).containsEntry("k", "v1");

      cache.put("k", "v1");
      failNext.set(1);
      assertThatThrownBy(() -> cache.invalidate("k")).hasMessage("source down");
      assertThat(cache.getIfPresent("k")).isNull();
      assertThat(source).containsEntry("k", "v1");

      cache.invalidate("k");
      assertThat(source).doesNotContainKey("k");
      assertThat(cache.getIfPresent("k")).isNull();
    }
  }

  @Test
  void throwingObserver_neverBreaksReads() throws Exception {
    try (MultiLevelCache<String, String> cache = builder().loader(loader).build()) {
      AtomicInteger heard = new AtomicInteger();
      cache.advanced().addObserver(new CacheObserver() {
        @Override
        public void tierHit(String tier) {
          throw new IllegalStateException("observer bug");
        }

        @Override
        public void tierMiss(String tier) {
          throw new IllegalStateException("observer bug");
        }

        @Override
        public void load(boolean success, long nanos) {
          throw new IllegalStateException("observer bug");
        }
      });
      AutoCloseable registration =
          cache.advanced().addObserver(new CacheObserver() {
            @Override
            public void tierHit(String tier) {
              heard.incrementAndGet();
            }
          });

      assertThat(cache.get("a")).isEqualTo("value-of-a");
      assertThat(cache.get("a")).isEqualTo("value-of-a");
      assertThat(heard).hasValue(1);

      registration.close();
      cache.get("a");
      assertThat(heard).hasValue(1);
    }
  }

  @Test
  void warmUp_loadsMissingKeysInOneBatch() {
    AtomicInteger batches = new AtomicInteger();
    Loader<String, String> bulk =
        new Loader<>() {
          @Override
          public String load(String key) {
            return key;
          }

          @Override
          public Map<String, String> loadAll(Set<? extends String> keys) {
            batches.incrementAndGet();
            Map<String, String> result = new HashMap<>();
            keys.forEach(k -> result.put(k, k));
            return result;
          }
        };
    try (MultiLevelCache<String, String> cache = builder().loader(bulk).build()) {
      assertThat(cache.advanced().warmUp(List.of("a", "b", "c"))).isEqualTo(3);
      assertThat(batches).hasValue(1);
      assertThat(cache.advanced().estimatedLocalSize()).isEqualTo(3);
      assertThat(cache.getIfPresent("b")).isEqualTo("b");
    }
  }

  @Test
  void close_isIdempotent_andLaterCallsFailClearly() {
    MultiLevelCache<String, String> cache = builder().loader(loader).build();
    cache.put("k", "v");
    cache.close();
    cache.close();

    assertThatThrownBy(() -> cache.get("k"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> cache.put("k", "v")).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void maximumWeight_boundsTheLocalTier_andHeavyValuesAreNotAdmitted() {
    AtomicInteger tooLarge = new AtomicInteger();
    try (MultiLevelCache<String, String> cache =
        builder().maximumWeight(100, (k, v) -> v.length()).maximumValueWeight(40).build()) {
      cache.advanced().addObserver(new CacheObserver() {
        @Override
        public void valueTooLarge(String tier) {
          tooLarge.incrementAndGet();
        }
      });
      cache.put("small", "x".repeat(10));
      cache.put("heavy", "x".repeat(41));

      assertThat(cache.getIfPresent("small")).isNotNull();
      assertThat(cache.getIfPresent("heavy")).isNull();
      assertThat(tooLarge).hasValue(1);

      for (int i = 0; i < 20; i++) {
        cache.put("k" + i, "x".repeat(30));
      }
      assertThat(cache.advanced().estimatedLocalSize()).isLessThanOrEqualTo(4);
      assertThat(cache.stats().evictionCount()).isGreaterThan(0);
    }
  }

  @Test
  void maximumSize_boundsTheLocalTier() {
    try (MultiLevelCache<String, String> cache = builder().maximumSize(5).build()) {
      for (int i = 0; i < 50; i++) {
        cache.put("k" + i, "v");
      }
      assertThat(cache.advanced().estimatedLocalSize()).isLessThanOrEqualTo(5);
    }
  }

  @Test
  void maximumHeapFraction_buildsAWeightBoundedCache() {
    try (MultiLevelCache<String, String> cache =
        builder().maximumHeapFraction(0.01, (k, v) -> 2 * v.length()).build()) {
      cache.put("k", "v");
      assertThat(cache.getIfPresent("k")).isEqualTo("v");
    }
  }

  @Test
  void stats_minusAndPlus_areConsistent() {
    CacheStats a = new CacheStats(5, 5, 1, 1, 100, 0, 2);
    CacheStats b = new CacheStats(2, 1, 1, 0, 40, 0, 1);
    assertThat(a.minus(b)).isEqualTo(new CacheStats(3, 4, 0, 1, 60, 0, 1));
    assertThat(a.minus(b).plus(b)).isEqualTo(a);
    assertThat(a.hitRate()).isEqualTo(0.5);
    assertThat(CacheStats.empty().hitRate()).isEqualTo(1.0);
  }
}
