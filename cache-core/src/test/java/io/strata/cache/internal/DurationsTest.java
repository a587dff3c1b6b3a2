package io.strata.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

/** Durations in nanoseconds, saturating at {@link Durations#MAX_NANOS} in both directions. */
class DurationsTest {

  /** The cap in whole seconds: 2^60 ns is 1,152,921,504.6 s. */
  private static final long CAP_SECONDS = Durations.MAX_NANOS / 1_000_000_000L;

  @Test
  void theCap_isTwoToTheSixtiethNanoseconds() {
    assertThat(Durations.MAX_NANOS).isEqualTo(1L << 60);
    assertThat(CAP_SECONDS).isEqualTo(1_152_921_504L);
  }

  @Test
  void ordinaryDurations_areConvertedExactly() {
    assertThat(Durations.nanos(Duration.ZERO)).isZero();
    assertThat(Durations.nanos(Duration.ofNanos(1))).isEqualTo(1);
    assertThat(Durations.nanos(Duration.ofMillis(1_500))).isEqualTo(1_500_000_000L);
    assertThat(Durations.nanos(Duration.ofDays(365))).isEqualTo(365L * 86_400 * 1_000_000_000L);
    assertThat(Durations.nanos(Duration.ofNanos(-7))).isEqualTo(-7);
    assertThat(Durations.nanos(Duration.ofMinutes(-5))).isEqualTo(-300_000_000_000L);
  }

  @Test
  void oneSecondShortOfTheCap_isConvertedExactly() {
    assertThat(Durations.nanos(Duration.ofSeconds(CAP_SECONDS - 1)))
        .isEqualTo((CAP_SECONDS - 1) * 1_000_000_000L);
    assertThat(Durations.nanos(Duration.ofSeconds(-(CAP_SECONDS - 1))))
        .isEqualTo(-(CAP_SECONDS - 1) * 1_000_000_000L);
  }

  @Test
  void fromTheCapsWholeSecondOn_aDurationIsTheCap() {
    assertThat(Durations.nanos(Duration.ofSeconds(CAP_SECONDS))).isEqualTo(Durations.MAX_NANOS);
    assertThat(Durations.nanos(Duration.ofSeconds(CAP_SECONDS + 1))).isEqualTo(Durations.MAX_NANOS);
  }

  @Test
  void fromMinusTheCapsWholeSecondOn_aNegativeDurationIsMinusTheCap() {
    assertThat(Durations.nanos(Duration.ofSeconds(-CAP_SECONDS))).isEqualTo(-Durations.MAX_NANOS);
    assertThat(Durations.nanos(Duration.ofSeconds(-CAP_SECONDS - 1)))
        .isEqualTo(-Durations.MAX_NANOS);
  }

  @Test
  void durationsTooLongForALong_saturateInsteadOfOverflowing() {
    assertThat(Durations.nanos(ChronoUnit.FOREVER.getDuration())).isEqualTo(Durations.MAX_NANOS);
    assertThat(Durations.nanos(Duration.ofSeconds(Long.MAX_VALUE, 999_999_999)))
        .isEqualTo(Durations.MAX_NANOS);
    assertThat(Durations.nanos(Duration.ofSeconds(Long.MIN_VALUE)))
        .isEqualTo(-Durations.MAX_NANOS);
  }
}
