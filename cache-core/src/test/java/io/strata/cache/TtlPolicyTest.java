package io.strata.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TtlPolicyTest {

  private static final Duration FALLBACK = Duration.ofMinutes(5);
  private static final Duration FLOOR = Duration.ofSeconds(10);
  private static final Duration CEILING = Duration.ofHours(1);

  private final TtlPolicy<String, String> fromHint =
      TtlPolicy.fromHint(FALLBACK, FLOOR, CEILING);

  // ---------------------------------------------------------------- fixed

  @Test
  void fixed_anyKeyValueOrHint_returnsTheSameTtl() {
    TtlPolicy<String, String> policy = TtlPolicy.fixed(Duration.ofSeconds(30));

    assertThat(policy.ttl("a", "1", null)).isEqualTo(Duration.ofSeconds(30));
    assertThat(policy.ttl("b", "2", Duration.ofHours(2))).isEqualTo(Duration.ofSeconds(30));
    assertThat(policy.ttl("c", "3", Duration.ZERO)).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void fixed_zeroOrNegativeTtl_isRejectedNamingTtl() {
    assertThatThrownBy(() -> TtlPolicy.fixed(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ttl must be positive, but was PT0S");
    assertThatThrownBy(() -> TtlPolicy.fixed(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ttl must be positive, but was PT-1S");
  }

  @Test
  void fixed_nullTtl_isRejectedNamingTtl() {
    assertThatThrownBy(() -> TtlPolicy.fixed(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("ttl");
  }

  // ---------------------------------------------------------------- of

  @Test
  void of_asksTheFunctionPerKeyAndValue_andIgnoresTheHint() {
    TtlPolicy<String, String> policy =
        TtlPolicy.of((key, value) -> Duration.ofSeconds(key.length() + value.length()));

    assertThat(policy.ttl("ab", "c", null)).isEqualTo(Duration.ofSeconds(3));
    assertThat(policy.ttl("abcd", "efg", Duration.ofHours(1))).isEqualTo(Duration.ofSeconds(7));
  }

  @Test
  void of_nullFunction_isRejectedNamingFunction() {
    assertThatThrownBy(() -> TtlPolicy.of(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("function");
  }

  // ---------------------------------------------------------------- fromHint

  @Test
  void fromHint_noHint_usesFallback() {
    assertThat(fromHint.ttl("k", "v", null)).isEqualTo(FALLBACK);
  }

  @Test
  void fromHint_hintWithinBounds_isFollowed() {
    assertThat(fromHint.ttl("k", "v", Duration.ofSeconds(90))).isEqualTo(Duration.ofSeconds(90));
    assertThat(fromHint.ttl("k", "v", FLOOR)).isEqualTo(FLOOR);
    assertThat(fromHint.ttl("k", "v", CEILING)).isEqualTo(CEILING);
  }

  @Test
  void fromHint_hintBelowFloor_isRaisedToFloor() {
    assertThat(fromHint.ttl("k", "v", Duration.ofSeconds(1))).isEqualTo(FLOOR);
    assertThat(fromHint.ttl("k", "v", Duration.ofNanos(1))).isEqualTo(FLOOR);
  }

  @Test
  void fromHint_hintAboveCeiling_isCutToCeiling() {
    assertThat(fromHint.ttl("k", "v", Duration.ofDays(3))).isEqualTo(CEILING);
  }

  @Test
  void fromHint_zeroHint_staysZeroDespiteFloor() {
    assertThat(fromHint.ttl("k", "v", Duration.ZERO)).isEqualTo(Duration.ZERO);
  }

  @Test
  void fromHint_negativeHint_meansDoNotCache() {
    assertThat(fromHint.ttl("k", "v", Duration.ofSeconds(-5))).isEqualTo(Duration.ZERO);
  }

  @Test
  void fromHint_zeroFloorAndEqualFloorAndCeiling_areAccepted() {
    TtlPolicy<String, String> unfloored =
        TtlPolicy.fromHint(FALLBACK, Duration.ZERO, Duration.ofMinutes(1));
    TtlPolicy<String, String> pinned =
        TtlPolicy.fromHint(FALLBACK, Duration.ofMinutes(1), Duration.ofMinutes(1));

    assertThat(unfloored.ttl("k", "v", Duration.ofNanos(1))).isEqualTo(Duration.ofNanos(1));
    assertThat(pinned.ttl("k", "v", Duration.ofSeconds(1))).isEqualTo(Duration.ofMinutes(1));
    assertThat(pinned.ttl("k", "v", Duration.ofHours(1))).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void fromHint_zeroOrNegativeFallback_isRejectedNamingFallback() {
    assertThatThrownBy(() -> TtlPolicy.fromHint(Duration.ZERO, FLOOR, CEILING))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("fallback must be positive, but was PT0S");
    assertThatThrownBy(() -> TtlPolicy.fromHint(Duration.ofMillis(-1), FLOOR, CEILING))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("fallback must be positive");
  }

  @Test
  void fromHint_negativeFloor_isRejectedNamingFloor() {
    assertThatThrownBy(() -> TtlPolicy.fromHint(FALLBACK, Duration.ofSeconds(-1), CEILING))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("floor")
        .hasMessageContaining("PT-1S");
  }

  @Test
  void fromHint_floorAboveCeiling_isRejectedNamingBoth() {
    assertThatThrownBy(
            () -> TtlPolicy.fromHint(FALLBACK, Duration.ofMinutes(2), Duration.ofMinutes(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "floor must be between 0 and ceiling, but floor was PT2M and ceiling PT1M");
  }

  @Test
  void fromHint_nullArguments_areRejectedNamingTheArgument() {
    assertThatThrownBy(() -> TtlPolicy.fromHint(null, FLOOR, CEILING))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("fallback");
    assertThatThrownBy(() -> TtlPolicy.fromHint(FALLBACK, null, CEILING))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("floor");
    assertThatThrownBy(() -> TtlPolicy.fromHint(FALLBACK, FLOOR, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("ceiling");
  }

  // ---------------------------------------------------------------- withJitter

  @Test
  void withJitter_neverLengthens_andStaysWithinFractionOfTtl() {
    Duration ttl = Duration.ofSeconds(10);
    TtlPolicy<String, String> policy = TtlPolicy.<String, String>fixed(ttl).withJitter(0.2);
    Duration lowest = Duration.ofSeconds(8);

    for (int i = 0; i < 10_000; i++) {
      assertThat(policy.ttl("k", "v", null)).isBetween(lowest, ttl);
    }
  }

  @Test
  void withJitter_manySamples_spreadExpiries() {
    TtlPolicy<String, String> policy =
        TtlPolicy.<String, String>fixed(Duration.ofMinutes(5)).withJitter(0.1);

    Set<Duration> distinct = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      distinct.add(policy.ttl("k", "v", null));
    }

    assertThat(distinct).hasSizeGreaterThan(100);
  }

  @Test
  void withJitter_appliesToEachAnswerOfTheBasePolicy() {
    TtlPolicy<String, String> policy =
        TtlPolicy.<String, String>of((key, value) -> Duration.ofSeconds(Long.parseLong(value)))
            .withJitter(0.5);

    for (int i = 0; i < 1_000; i++) {
      assertThat(policy.ttl("k", "100", null))
          .isBetween(Duration.ofSeconds(50), Duration.ofSeconds(100));
      assertThat(policy.ttl("k", "2", null))
          .isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
    }
  }

  @Test
  void withJitter_zeroTtl_staysZero() {
    TtlPolicy<String, String> policy = fromHint.withJitter(0.5);

    assertThat(policy.ttl("k", "v", Duration.ZERO)).isEqualTo(Duration.ZERO);
  }

  @Test
  void withJitter_oneNanosecondTtl_staysPositive() {
    TtlPolicy<String, String> policy =
        TtlPolicy.<String, String>fixed(Duration.ofNanos(1)).withJitter(0.99);

    for (int i = 0; i < 1_000; i++) {
      assertThat(policy.ttl("k", "v", null)).isEqualTo(Duration.ofNanos(1));
    }
  }

  @Test
  void withJitter_passesTheHintToTheBasePolicy() {
    TtlPolicy<String, String> policy = fromHint.withJitter(0.1);

    assertThat(policy.ttl("k", "v", Duration.ofSeconds(100)))
        .isBetween(Duration.ofSeconds(90), Duration.ofSeconds(100));
    assertThat(policy.ttl("k", "v", null))
        .isBetween(FALLBACK.multipliedBy(9).dividedBy(10), FALLBACK);
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.0, 1.0, -0.1, 1.5, Double.NaN, Double.POSITIVE_INFINITY})
  void withJitter_fractionOutsideOpenUnitInterval_isRejectedNamingTheFraction(double fraction) {
    TtlPolicy<String, String> policy = TtlPolicy.fixed(Duration.ofSeconds(1));

    assertThatThrownBy(() -> policy.withJitter(fraction))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("jitter fraction must be in (0, 1), but was " + fraction);
  }
}
