package io.strata.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.CacheEntry;
import io.strata.cache.CacheObserver;
import io.strata.cache.testkit.FakeTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Where Caffeine's upkeep runs: on the caller after a write or a miss (a miss leads to work that
 * costs far more, and a read of an expired entry asks for upkeep every time), handed off after a
 * read that answered, so that a local hit stays as fast as Caffeine's own.
 */
class LocalTierUpkeepTest {

  private static final long MINUTE = Duration.ofMinutes(1).toNanos();

  private final FakeTicker ticker = new FakeTicker();
  private final List<Runnable> handedOff = new ArrayList<>();
  private final LocalTier<String, String> tier =
      new LocalTier<>(
          100, -1, null, -1, null, () -> Long.MAX_VALUE, ticker, CacheObserver.NONE, handedOff::add);

  private CacheEntry<String> entry(String value, long lifeNanos) {
    long now = ticker.read();
    return CacheEntry.builder(value, now, now + lifeNanos).build();
  }

  @Test
  void aMissOnAnExpiredEntry_evictsItOnTheCaller() {
    tier.put("k", entry("v", MINUTE));
    ticker.advance(Duration.ofMinutes(2));

    assertThat(tier.get("k")).isNull();

    assertThat(tier.evictionCount()).as("evicted before get returned").isEqualTo(1);
    assertThat(handedOff).isEmpty();
  }

  @Test
  void aGetAllMissingOneKey_runsTheUpkeepOnTheCaller() {
    tier.put("fresh", entry("v", 10 * MINUTE));
    tier.put("old", entry("v", MINUTE));
    ticker.advance(Duration.ofMinutes(2));

    assertThat(tier.getAll(List.of("fresh", "old"))).containsOnlyKeys("fresh");

    assertThat(tier.evictionCount()).isEqualTo(1);
    assertThat(handedOff).isEmpty();
  }

  @Test
  void hitsThatFillCaffeinesReadBuffer_handTheUpkeepOff() {
    tier.put("k", entry("v", MINUTE));
    for (int i = 0; i < 1_000 && handedOff.isEmpty(); i++) {
      assertThat(tier.get("k")).isNotNull();
    }
    assertThat(handedOff).as("upkeep handed off by a hit").hasSize(1);

    ticker.advance(Duration.ofMinutes(2));
    handedOff.get(0).run();
    assertThat(tier.evictionCount()).as("the handed-off upkeep evicts").isEqualTo(1);
  }

  @Test
  void getAllHittingEveryKey_handsTheUpkeepOff() {
    tier.put("a", entry("v", MINUTE));
    tier.put("b", entry("v", MINUTE));
    for (int i = 0; i < 1_000 && handedOff.isEmpty(); i++) {
      assertThat(tier.getAll(List.of("a", "b"))).hasSize(2);
    }
    assertThat(handedOff).hasSize(1);
  }

  @Test
  void writesRunTheirUpkeep_beforeTheyReturn() {
    LocalTier<String, String> small =
        new LocalTier<>(
            2, -1, null, -1, null, () -> Long.MAX_VALUE, ticker, CacheObserver.NONE, handedOff::add);
    small.put("a", entry("v", MINUTE));
    small.put("b", entry("v", MINUTE));
    small.put("c", entry("v", MINUTE));
    assertThat(small.evictionCount()).as("evicted past 2 entries").isEqualTo(1);
    assertThat(handedOff).isEmpty();
  }

  @Test
  void anInvalidationRunsItsUpkeep_beforeItReturns() {
    tier.put("a", entry("v", MINUTE));
    tier.put("b", entry("v", MINUTE));
    tier.invalidate("b");

    // One hit cannot fill the read buffer: anything it hands off is upkeep the invalidation left.
    assertThat(tier.get("a")).isNotNull();
    assertThat(handedOff).as("upkeep left by the invalidation").isEmpty();
  }

  @Test
  void upkeepAskedForWhileSomeIsHeld_isHandedOff() {
    Runnable first = () -> {};
    Runnable second = () -> {};
    tier.holdUpkeep(first);
    tier.holdUpkeep(second);

    assertThat(handedOff).containsExactly(second);
  }
}
