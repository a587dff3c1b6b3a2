package io.strata.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.CacheEntry;
import io.strata.cache.Loaded;
import io.strata.cache.TtlPolicy;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * How what a loader answered becomes an entry: its deadlines, how long it took, and what a "not
 * modified" keeps of the entry it revalidated.
 */
class EntryFactoryTest {

  private static final long SECOND = 1_000_000_000L;
  private static final Duration POLICY_TTL = Duration.ofSeconds(60);
  private static final Duration CACHE_SWR = Duration.ofSeconds(10);
  private static final Duration CACHE_SIE = Duration.ofSeconds(20);

  /** A cache whose policy follows hints (so a hint of zero gives a TTL of zero). */
  private static EntryFactory<String, String> factory(@Nullable Duration negativeTtl) {
    return new EntryFactory<>(
        new CacheSettings<>(
            "entries",
            null,
            null,
            TtlPolicy.fromHint(POLICY_TTL, Duration.ZERO, Duration.ofDays(1)),
            null,
            null,
            false,
            10,
            negativeTtl,
            100,
            -1,
            null,
            -1,
            1,
            List.of(),
            null,
            CACHE_SWR,
            CACHE_SIE,
            null,
            null,
            Runnable::run,
            () -> 0L,
            (delay, task) -> {
              throw new AssertionError("no timers here");
            }));
  }

  private final EntryFactory<String, String> entries = factory(null);

  /** An entry that expired at 100 s and is kept for revalidation until {@code revalidateUntil}. */
  private static CacheEntry<String> previous(long revalidateUntil) {
    return CacheEntry.builder("old", 40 * SECOND, 100 * SECOND)
        .revalidateUntil(revalidateUntil)
        .contentType("text/plain")
        .etag("\"v1\"")
        .lastModified("Mon, 01 Jan 2024 00:00:00 GMT")
        .build();
  }

  // ---------------------------------------------------------------- load durations

  @Test
  void negativeEntry_recordsHowLongTheLoadTook() {
    CacheEntry<String> entry =
        factory(Duration.ofSeconds(30))
            .fromLoad("k", Loaded.notFound(), null, 5 * SECOND, 2 * SECOND);

    assertThat(entry).isNotNull();
    assertThat(entry.isNegative()).isTrue();
    assertThat(entry.createdAt()).isEqualTo(5 * SECOND);
    assertThat(entry.expiresAt()).isEqualTo(35 * SECOND);
    assertThat(entry.loadNanos()).isEqualTo(3 * SECOND);
  }

  @Test
  void positiveEntry_recordsHowLongTheLoadTook() {
    CacheEntry<String> entry = entries.fromLoad("k", Loaded.of("v"), null, 5 * SECOND, 2 * SECOND);

    assertThat(entry).isNotNull();
    assertThat(entry.loadNanos()).isEqualTo(3 * SECOND);
  }

  @Test
  void notFound_withoutNegativeTtl_leavesNothingToRemember() {
    assertThat(entries.fromLoad("k", Loaded.notFound(), null, 5 * SECOND, 2 * SECOND)).isNull();
  }

  // ---------------------------------------------------------------- stale windows

  @Test
  void positiveTtl_opensTheCachesStaleWindowsPastExpiry() {
    CacheEntry<String> entry = entries.fromLoad("k", Loaded.of("v"), null, 5 * SECOND, 5 * SECOND);

    assertThat(entry).isNotNull();
    assertThat(entry.expiresAt()).isEqualTo(65 * SECOND);
    assertThat(entry.staleWhileRevalidateUntil()).isEqualTo(75 * SECOND);
    assertThat(entry.staleIfErrorUntil()).isEqualTo(85 * SECOND);
  }

  @Test
  void zeroTtl_givesAnEntryWithoutStaleWindows_evenWhenTheLoaderAsksForThem() {
    Loaded<String> doNotCache =
        Loaded.builder("v")
            .ttlHint(Duration.ZERO)
            .staleWhileRevalidate(Duration.ofSeconds(30))
            .staleIfError(Duration.ofSeconds(30))
            .build();

    CacheEntry<String> entry = entries.fromLoad("k", doNotCache, null, 5 * SECOND, 5 * SECOND);

    assertThat(entry).isNotNull();
    assertThat(entry.lifetimeNanos()).isZero();
    assertThat(entry.staleWhileRevalidateUntil()).isEqualTo(entry.expiresAt());
    assertThat(entry.staleIfErrorUntil()).isEqualTo(entry.expiresAt());
    assertThat(entry.retainUntil()).isEqualTo(5 * SECOND);
  }

  // ---------------------------------------------------------------- revalidation window

  @Test
  void revalidateWithin_keepsTheEntryThatLongPastItsExpiry() {
    Loaded<String> loaded =
        Loaded.builder("v").etag("\"v1\"").revalidateWithin(Duration.ofMinutes(5)).build();

    CacheEntry<String> entry = entries.fromLoad("k", loaded, null, 5 * SECOND, 5 * SECOND);

    assertThat(entry).isNotNull();
    assertThat(entry.revalidateUntil()).isEqualTo(entry.expiresAt() + 300 * SECOND);
  }

  @Test
  void aLoadThatDoesNotAskForRevalidation_hasNoRevalidationWindow() {
    CacheEntry<String> entry = entries.fromLoad("k", Loaded.of("v"), null, 5 * SECOND, 5 * SECOND);

    assertThat(entry).isNotNull();
    assertThat(entry.revalidateUntil()).isEqualTo(entry.expiresAt());
  }

  @Test
  void notModified_keepsThePreviousValue_andTheLengthOfItsRevalidationWindow() {
    CacheEntry<String> previous = previous(100 * SECOND + 300 * SECOND);

    CacheEntry<String> entry =
        entries.fromLoad("k", Loaded.notModified(), previous, 200 * SECOND, 199 * SECOND);

    assertThat(entry).isNotNull();
    assertThat(entry.value()).isEqualTo("old");
    assertThat(entry.createdAt()).isEqualTo(200 * SECOND);
    assertThat(entry.expiresAt()).isEqualTo(260 * SECOND);
    assertThat(entry.revalidateUntil()).isEqualTo(260 * SECOND + 300 * SECOND);
  }

  // A ticker's origin is arbitrary: its readings may be negative (Ticker's Javadoc).
  @Test
  void notModified_keepsTheLengthOfTheRevalidationWindow_onNegativeTickerReadings() {
    CacheEntry<String> previous =
        CacheEntry.builder("old", -1_000 * SECOND, -940 * SECOND)
            .revalidateUntil(-640 * SECOND)
            .etag("\"v1\"")
            .build();

    CacheEntry<String> entry =
        entries.fromLoad("k", Loaded.notModified(), previous, -700 * SECOND, -701 * SECOND);

    assertThat(entry).isNotNull();
    assertThat(entry.expiresAt()).isEqualTo(-640 * SECOND);
    assertThat(entry.revalidateUntil()).isEqualTo(-640 * SECOND + 300 * SECOND);
  }

  @Test
  void notModified_ofAnEntryWithoutRevalidationWindow_getsNone() {
    CacheEntry<String> previous = previous(100 * SECOND);

    CacheEntry<String> entry =
        entries.fromLoad("k", Loaded.notModified(), previous, 200 * SECOND, 199 * SECOND);

    assertThat(entry).isNotNull();
    assertThat(entry.revalidateUntil()).isEqualTo(entry.expiresAt());
  }

  @Test
  void notModified_withItsOwnRevalidateWithin_usesItsOwnWindow() {
    CacheEntry<String> previous = previous(100 * SECOND + 300 * SECOND);
    Loaded<String> notModified =
        Loaded.<String>notModifiedBuilder().revalidateWithin(Duration.ofMinutes(10)).build();

    CacheEntry<String> entry =
        entries.fromLoad("k", notModified, previous, 200 * SECOND, 199 * SECOND);

    assertThat(entry).isNotNull();
    assertThat(entry.revalidateUntil()).isEqualTo(entry.expiresAt() + 600 * SECOND);
  }

  @Test
  void aNewValue_doesNotInheritThePreviousRevalidationWindow() {
    CacheEntry<String> previous = previous(100 * SECOND + 300 * SECOND);

    CacheEntry<String> entry =
        entries.fromLoad("k", Loaded.of("new"), previous, 200 * SECOND, 199 * SECOND);

    assertThat(entry).isNotNull();
    assertThat(entry.value()).isEqualTo("new");
    assertThat(entry.revalidateUntil()).isEqualTo(entry.expiresAt());
  }

  // ---------------------------------------------------------------- validators and content type

  @Test
  void notModified_thatSaysNothingOfItsValidators_keepsThePreviousOnes() {
    CacheEntry<String> previous = previous(100 * SECOND);

    CacheEntry<String> entry =
        entries.fromLoad("k", Loaded.notModified(), previous, 200 * SECOND, 200 * SECOND);

    assertThat(entry).isNotNull();
    assertThat(entry.contentType()).isEqualTo("text/plain");
    assertThat(entry.etag()).isEqualTo("\"v1\"");
    assertThat(entry.lastModified()).isEqualTo("Mon, 01 Jan 2024 00:00:00 GMT");
  }

  @Test
  void notModified_withNewValidators_takesTheNewOnes() {
    Loaded<String> notModified =
        Loaded.<String>notModifiedBuilder()
            .contentType("application/json")
            .etag("\"v2\"")
            .lastModified("Tue, 02 Jan 2024 00:00:00 GMT")
            .build();

    CacheEntry<String> entry =
        entries.fromLoad("k", notModified, previous(100 * SECOND), 200 * SECOND, 200 * SECOND);

    assertThat(entry).isNotNull();
    assertThat(entry.value()).isEqualTo("old");
    assertThat(entry.contentType()).isEqualTo("application/json");
    assertThat(entry.etag()).isEqualTo("\"v2\"");
    assertThat(entry.lastModified()).isEqualTo("Tue, 02 Jan 2024 00:00:00 GMT");
  }

  @Test
  void aNewValue_carriesOnlyItsOwnValidators_neverThePreviousOnes() {
    CacheEntry<String> entry =
        entries.fromLoad("k", Loaded.of("new"), previous(100 * SECOND), 200 * SECOND, 200 * SECOND);

    assertThat(entry).isNotNull();
    assertThat(entry.contentType()).isNull();
    assertThat(entry.etag()).isNull();
    assertThat(entry.lastModified()).isNull();
  }

  @Test
  void aNewValue_withValidators_carriesThem() {
    Loaded<String> loaded =
        Loaded.builder("new")
            .contentType("application/json")
            .etag("\"v2\"")
            .lastModified("Tue, 02 Jan 2024 00:00:00 GMT")
            .build();

    CacheEntry<String> entry = entries.fromLoad("k", loaded, null, 200 * SECOND, 200 * SECOND);

    assertThat(entry).isNotNull();
    assertThat(entry.contentType()).isEqualTo("application/json");
    assertThat(entry.etag()).isEqualTo("\"v2\"");
    assertThat(entry.lastModified()).isEqualTo("Tue, 02 Jan 2024 00:00:00 GMT");
  }

  // ---------------------------------------------------------------- not modified without a value

  @Test
  void notModified_withoutAPreviousEntry_isNotFound() {
    assertThat(entries.fromLoad("k", Loaded.notModified(), null, 200 * SECOND, 200 * SECOND))
        .isNull();

    CacheEntry<String> remembered =
        factory(Duration.ofSeconds(30))
            .fromLoad("k", Loaded.notModified(), null, 200 * SECOND, 200 * SECOND);
    assertThat(remembered).isNotNull();
    assertThat(remembered.isNegative()).isTrue();
  }

  @Test
  void notModified_ofANegativeEntry_isNotFound() {
    CacheEntry<String> negative = CacheEntry.<String>negative(40 * SECOND, 100 * SECOND).build();

    assertThat(entries.fromLoad("k", Loaded.notModified(), negative, 200 * SECOND, 200 * SECOND))
        .isNull();
  }
}
