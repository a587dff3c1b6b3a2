package io.strata.cache.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.CacheEntry;
import io.strata.cache.CacheObserver;
import io.strata.cache.CacheTier;
import io.strata.cache.InvalidationSink;
import io.strata.cache.Ticker;
import io.strata.cache.TierContext;
import io.strata.cache.TierHealth;
import io.strata.cache.TierLease;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link CacheTier} must meet, as tests. Extend it, implement {@link
 * #createTier}, and run it with JUnit 5: the local tier, the Redis tier and a user's own tier all
 * pass the same suite. Shipped as {@code io.strata:cache-testkit}, a test dependency.
 *
 * <p>Tiers are exercised with {@code String} keys and values. Time comes from a {@link FakeTicker};
 * a tier whose storage expires entries on a clock of its own (Redis) overrides {@link
 * #letTimePass} to wait for real.
 */
public abstract class CacheTierCompatibilityKit {

  /**
   * Precision a tier may lose on stored times: Redis keeps milliseconds, and its TTL counts down in
   * real time between a write and the read after it, which a loaded CI machine stretches past 5 ms.
   */
  protected static final long TIME_TOLERANCE_NANOS = Duration.ofMillis(50).toNanos();

  protected final FakeTicker ticker = new FakeTicker();
  protected final List<String> invalidatedKeys = new java.util.concurrent.CopyOnWriteArrayList<>();
  protected CacheTier<String, String> tier;

  /** Creates a new, empty tier for one test. It is closed after the test. */
  protected abstract CacheTier<String, String> createTier(TierContext<String> context);

  /**
   * Lets {@code duration} pass for the tier: advances the fake ticker. A tier whose storage keeps
   * its own time overrides this to also wait in real time.
   */
  protected void letTimePass(Duration duration) {
    ticker.advance(duration);
  }

  /** Returns the cache name the tier is created for; each test gets a distinct one. */
  protected String cacheName() {
    return "kit" + Integer.toHexString(System.identityHashCode(this));
  }

  @BeforeEach
  void createTierUnderTest() {
    tier = createTier(context());
  }

  @AfterEach
  void closeTierUnderTest() {
    if (tier != null) {
      tier.invalidateAll();
      tier.close();
    }
  }

  protected TierContext<String> context() {
    String name = cacheName();
    InvalidationSink<String> sink =
        new InvalidationSink<>() {
          @Override
          public void invalidate(Collection<? extends String> keys) {
            invalidatedKeys.addAll(keys);
          }

          @Override
          public void invalidateAll(String reason) {
            invalidatedKeys.add("*" + reason);
          }

          @Override
          public void suspend(String reason) {
            invalidatedKeys.add("suspend:" + reason);
          }

          @Override
          public void resume() {
            invalidatedKeys.add("resume");
          }

          @Override
          public void recovered() {
            invalidatedKeys.add("recovered");
          }
        };
    return new TierContext<>() {
      @Override
      public String cacheName() {
        return name;
      }

      @Override
      public Ticker ticker() {
        return ticker;
      }

      @Override
      public java.util.concurrent.Executor executor() {
        return ForkJoinPool.commonPool();
      }

      @Override
      public InvalidationSink<String> invalidations() {
        return sink;
      }

      @Override
      public CacheObserver observer() {
        return CacheObserver.NONE;
      }
    };
  }

  protected CacheEntry<String> entry(String value, Duration ttl) {
    long now = ticker.read();
    return CacheEntry.builder(value, now, now + ttl.toNanos()).build();
  }

  // ---------------------------------------------------------------- leases

  /**
   * Takes the lease of one key; a tier that takes none (only its own instance writes it) must then
   * store whatever putLeased gets, which the lease tests check instead.
   */
  private TierLease<String> leaseOrNull(String key) {
    Map<String, TierLease<String>> leases = tier.lease(List.of(key), false);
    assertThat(leases.keySet()).as("lease() answers only keys it was asked for").isSubsetOf(key);
    return leases.get(key);
  }

  private java.util.Set<String> putLeased(String key, String value, TierLease<String> lease) {
    return tier.putLeased(
        Map.of(key, entry(value, Duration.ofMinutes(1))),
        lease == null ? Map.of() : Map.of(key, lease));
  }

  @Test
  void putLeased_underTheLeaseItsLoadTook_stores() {
    TierLease<String> lease = leaseOrNull("k");
    if (lease != null) {
      assertThat(lease.isHeld()).as("the first lease on a key is held").isTrue();
      assertThat(lease.token()).isNotNull();
    }

    assertThat(putLeased("k", "loaded", lease)).isEmpty();

    assertThat(tier.get("k")).extracting(CacheEntry::value).isEqualTo("loaded");
  }

  @Test
  void putLeased_afterTheKeyWasInvalidated_isRefused() {
    TierLease<String> lease = leaseOrNull("k");
    tier.invalidate("k");

    java.util.Set<String> refused = putLeased("k", "stale", lease);

    if (lease == null) {
      assertThat(refused).as("a tier without leases stores").isEmpty();
    } else {
      assertThat(refused).containsExactly("k");
      assertThat(tier.get("k")).as("nothing written back").isNull();
    }
  }

  @Test
  void putLeased_afterTheKeyWasPut_isRefused_andThePutStays() {
    TierLease<String> lease = leaseOrNull("k");
    tier.put("k", entry("newer", Duration.ofMinutes(1)));

    java.util.Set<String> refused = putLeased("k", "stale", lease);

    if (lease != null) {
      assertThat(refused).containsExactly("k");
      assertThat(tier.get("k")).extracting(CacheEntry::value).isEqualTo("newer");
    } else {
      assertThat(refused).isEmpty();
    }
  }

  @Test
  void putLeased_afterInvalidateAll_isRefused() {
    TierLease<String> lease = leaseOrNull("k");
    tier.invalidateAll();

    java.util.Set<String> refused = putLeased("k", "stale", lease);

    if (lease != null) {
      assertThat(refused).containsExactly("k");
      assertThat(tier.get("k")).isNull();
    } else {
      assertThat(refused).isEmpty();
    }
  }

  @Test
  void lease_whileAnotherLoadHoldsIt_isShared_andTheFirstStoreWins() {
    TierLease<String> first = leaseOrNull("k");
    TierLease<String> second = leaseOrNull("k");
    if (first == null) {
      assertThat(second).as("a tier leases every key or none").isNull();
      return;
    }
    assertThat(second).isNotNull();
    assertThat(second.isHeld()).isFalse();
    assertThat(second.token()).isEqualTo(first.token());

    assertThat(putLeased("k", "second", second)).isEmpty();
    assertThat(putLeased("k", "first", first)).containsExactly("k");

    assertThat(tier.get("k")).extracting(CacheEntry::value).isEqualTo("second");
  }

  @Test
  void release_ofAHeldLease_freesTheKey_andOfASharedOneDoesNot() {
    TierLease<String> held = leaseOrNull("k");
    TierLease<String> shared = leaseOrNull("k");
    if (held == null) {
      tier.release(Map.of()); // a no-op for a tier without leases
      assertThat(shared).isNull();
      return;
    }

    tier.release(Map.of("k", shared));
    assertThat(leaseOrNull("k").isHeld()).as("a shared lease is not given back").isFalse();

    tier.release(Map.of("k", held));
    assertThat(leaseOrNull("k").isHeld()).as("the holder's release frees the key").isTrue();
  }

  @Test
  void lease_forALoad_ofAKeyStoredSinceItsRead_answersTheStoredEntry() {
    tier.put("k", entry("stored-meanwhile", Duration.ofMinutes(1)));

    TierLease<String> lease = leaseOrNull("k");

    if (lease != null) {
      assertThat(lease.entry()).as("a put since the load's read wins").isNotNull();
      assertThat(lease.entry().value()).isEqualTo("stored-meanwhile");
      assertThat(lease.token()).isNull();
    }
  }

  @Test
  void lease_forARefresh_leasesWhatTheTierHolds() {
    tier.put("k", entry("current", Duration.ofMinutes(1)));

    Map<String, TierLease<String>> leases = tier.lease(List.of("k"), true);

    if (!leases.isEmpty()) {
      assertThat(leases.get("k").isHeld()).isTrue();
      assertThat(tier.putLeased(Map.of("k", entry("renewed", Duration.ofMinutes(1))), leases))
          .isEmpty();
      assertThat(tier.get("k")).extracting(CacheEntry::value).isEqualTo("renewed");
    }
  }

  @Test
  void reads_takeNoLease() {
    tier.get("k");
    tier.getAll(List.of("k", "other"));

    TierLease<String> lease = leaseOrNull("k");

    if (lease != null) {
      assertThat(lease.isHeld()).isTrue();
    }
  }

  @Test
  void name_isNonBlank() {
    assertThat(tier.name()).isNotBlank();
  }

  @Test
  void get_absentKey_returnsNull() {
    assertThat(tier.get("absent")).isNull();
  }

  @Test
  void put_thenGet_returnsTheValue() {
    tier.put("k", entry("v", Duration.ofMinutes(1)));

    CacheEntry<String> read = tier.get("k");

    assertThat(read).isNotNull();
    assertThat(read.value()).isEqualTo("v");
    assertThat(read.isNegative()).isFalse();
  }

  @Test
  void put_keepsTheRemainingLifetime_neverLonger() {
    long now = ticker.read();
    tier.put("k", CacheEntry.builder("v", now, now + Duration.ofSeconds(30).toNanos()).build());

    CacheEntry<String> read = tier.get("k");

    assertThat(read).isNotNull();
    assertThat(read.expiresAt() - now)
        .isBetween(
            Duration.ofSeconds(30).toNanos() - TIME_TOLERANCE_NANOS,
            Duration.ofSeconds(30).toNanos());
    assertThat(read.retainUntil() - now).isLessThanOrEqualTo(Duration.ofSeconds(30).toNanos());
  }

  @Test
  void put_keepsMetadata() {
    long now = ticker.read();
    CacheEntry<String> written =
        CacheEntry.builder("v", now, now + Duration.ofMinutes(1).toNanos())
            .staleWhileRevalidateUntil(now + Duration.ofMinutes(2).toNanos())
            .staleIfErrorUntil(now + Duration.ofMinutes(3).toNanos())
            .revalidateUntil(now + Duration.ofMinutes(4).toNanos())
            .loadNanos(Duration.ofMillis(250).toNanos())
            .contentType("image/png")
            .etag("\"abc\"")
            .lastModified("Wed, 21 Oct 2015 07:28:00 GMT")
            .build();
    tier.put("k", written);

    CacheEntry<String> read = tier.get("k");

    assertThat(read).isNotNull();
    assertThat(read.contentType()).isEqualTo("image/png");
    assertThat(read.etag()).isEqualTo("\"abc\"");
    assertThat(read.lastModified()).isEqualTo("Wed, 21 Oct 2015 07:28:00 GMT");
    assertThat(read.loadNanos()).isCloseTo(written.loadNanos(), within(TIME_TOLERANCE_NANOS));
    assertThat(read.expiresAt()).isCloseTo(written.expiresAt(), within(TIME_TOLERANCE_NANOS));
    assertThat(read.staleWhileRevalidateUntil())
        .isCloseTo(written.staleWhileRevalidateUntil(), within(TIME_TOLERANCE_NANOS));
    assertThat(read.staleIfErrorUntil())
        .isCloseTo(written.staleIfErrorUntil(), within(TIME_TOLERANCE_NANOS));
    assertThat(read.revalidateUntil())
        .isCloseTo(written.revalidateUntil(), within(TIME_TOLERANCE_NANOS));
    assertThat(read.createdAt()).isCloseTo(written.createdAt(), within(TIME_TOLERANCE_NANOS));
  }

  @Test
  void put_negativeEntry_isReadBackAsNegative() {
    long now = ticker.read();
    tier.put("missing", CacheEntry.<String>negative(now, now + Duration.ofMinutes(1).toNanos()).build());

    CacheEntry<String> read = tier.get("missing");

    assertThat(read).isNotNull();
    assertThat(read.isNegative()).isTrue();
    assertThat(read.value()).isNull();
  }

  @Test
  void put_replacesThePreviousEntry() {
    tier.put("k", entry("old", Duration.ofMinutes(1)));
    tier.put("k", entry("new", Duration.ofMinutes(1)));

    assertThat(tier.get("k").value()).isEqualTo("new");
  }

  @Test
  void put_unusualValuesAndKeys_roundTrip() {
    String value = "ünïcødé \u0000 \n\t 🚀 " + "x".repeat(10_000);
    String key = "a:b/c d?e=f&g#h%20\u00e9";
    tier.put(key, entry(value, Duration.ofMinutes(1)));

    assertThat(tier.get(key).value()).isEqualTo(value);
  }

  @Test
  void get_afterRetention_returnsNull() {
    tier.put("k", entry("v", Duration.ofSeconds(1)));

    letTimePass(Duration.ofMillis(1_500));

    assertThat(tier.get("k")).isNull();
  }

  @Test
  void invalidate_removesOnlyThatKey() {
    tier.put("a", entry("1", Duration.ofMinutes(1)));
    tier.put("b", entry("2", Duration.ofMinutes(1)));

    tier.invalidate("a");

    assertThat(tier.get("a")).isNull();
    assertThat(tier.get("b").value()).isEqualTo("2");
  }

  @Test
  void invalidate_absentKey_isANoOp() {
    tier.invalidate("absent");

    assertThat(tier.get("absent")).isNull();
  }

  @Test
  void invalidateAll_removesEverything() {
    for (int i = 0; i < 50; i++) {
      tier.put("k" + i, entry("v" + i, Duration.ofMinutes(1)));
    }

    tier.invalidateAll();

    for (int i = 0; i < 50; i++) {
      assertThat(tier.get("k" + i)).isNull();
    }
  }

  @Test
  void putAll_thenGetAll_returnsPresentKeysOnly() {
    Map<String, CacheEntry<String>> entries = new LinkedHashMap<>();
    for (int i = 0; i < 20; i++) {
      entries.put("k" + i, entry("v" + i, Duration.ofMinutes(1)));
    }
    tier.putAll(entries);

    List<String> asked = new ArrayList<>(entries.keySet());
    asked.add("absent1");
    asked.add("absent2");
    Map<String, CacheEntry<String>> found = tier.getAll(asked);

    assertThat(found).containsOnlyKeys(entries.keySet());
    entries.forEach((key, entry) -> assertThat(found.get(key).value()).isEqualTo(entry.value()));
  }

  @Test
  void getAll_noKeys_returnsEmpty() {
    assertThat(tier.getAll(List.of())).isEmpty();
  }

  @Test
  void health_isReported() {
    TierHealth health = tier.health();

    assertThat(health).isNotNull();
    assertThat(health.state()).isEqualTo(TierHealth.State.UP);
  }

  @Test
  void concurrentReadersAndWriters_seeOnlyWrittenValues() throws Exception {
    int threads = 4;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < 200; i++) {
                    String key = "k" + (i % 10);
                    if ((i + id) % 2 == 0) {
                      tier.put(key, entry("v" + (i % 10), Duration.ofMinutes(1)));
                    } else {
                      CacheEntry<String> read = tier.get(key);
                      if (read != null) {
                        assertThat(read.value()).isEqualTo("v" + (i % 10));
                      }
                    }
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> future : futures) {
        future.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static org.assertj.core.data.Offset<Long> within(long nanos) {
    return org.assertj.core.data.Offset.offset(nanos);
  }
}
