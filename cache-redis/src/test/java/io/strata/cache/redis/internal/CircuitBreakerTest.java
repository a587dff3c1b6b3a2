package io.strata.cache.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.redis.internal.CircuitBreaker.State;
import io.strata.cache.testkit.FakeTicker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {

  private final FakeTicker ticker = new FakeTicker();
  private final List<String> changes = new CopyOnWriteArrayList<>();
  private final List<String> causes = new CopyOnWriteArrayList<>();
  private final CircuitBreaker breaker =
      new CircuitBreaker(
          ticker,
          3,
          Duration.ofMillis(500).toNanos(),
          Duration.ofSeconds(2).toNanos(),
          (from, to, cause) -> {
            changes.add(from + ">" + to);
            causes.add(String.valueOf(cause));
          });

  private void fail() {
    breaker.onFailure(new IllegalStateException("down"));
  }

  @Test
  void opensAfterTheThresholdOfConsecutiveFailures_only() {
    fail();
    fail();
    breaker.onSuccess();
    fail();
    fail();
    assertThat(breaker.state()).isEqualTo(State.CLOSED);
    fail();
    assertThat(breaker.state()).isEqualTo(State.OPEN);
    assertThat(breaker.tryAcquire()).isFalse();
  }

  @Test
  void afterTheOpenPeriod_oneProbe_andItsSuccessCloses() {
    fail();
    fail();
    fail();
    ticker.advance(Duration.ofMillis(500));

    assertThat(breaker.tryAcquire()).isTrue();
    assertThat(breaker.tryAcquire()).as("only one probe").isFalse();
    breaker.onSuccess();

    assertThat(breaker.state()).isEqualTo(State.CLOSED);
    assertThat(changes).containsExactly("CLOSED>OPEN", "OPEN>HALF_OPEN", "HALF_OPEN>CLOSED");
  }

  @Test
  void aFailedProbe_doublesTheOpenPeriod_upToTheMaximum() {
    fail();
    fail();
    fail();
    for (long expectedMillis : new long[] {500, 1000, 2000, 2000}) {
      ticker.advance(Duration.ofMillis(expectedMillis - 1));
      assertThat(breaker.tryAcquire()).as("still open before %d ms", expectedMillis).isFalse();
      ticker.advance(Duration.ofMillis(1));
      assertThat(breaker.tryAcquire()).as("probe after %d ms", expectedMillis).isTrue();
      fail();
    }
  }

  @Test
  void aProbeThatNeverReports_isGivenUpOn() {
    fail();
    fail();
    fail();
    ticker.advance(Duration.ofMillis(500));
    assertThat(breaker.tryAcquire()).isTrue(); // its caller vanishes without reporting

    ticker.advance(Duration.ofMillis(499));
    assertThat(breaker.tryAcquire()).isFalse();
    ticker.advance(Duration.ofMillis(1));
    assertThat(breaker.tryAcquire()).as("a new probe").isTrue();
    breaker.onSuccess();
    assertThat(breaker.state()).isEqualTo(State.CLOSED);
  }

  @Test
  void probeSoon_endsTheOpenPeriod_whenRedisIsKnownToBeBack() {
    fail();
    fail();
    fail();
    assertThat(breaker.tryAcquire()).isFalse();

    breaker.probeSoon();

    assertThat(breaker.tryAcquire()).isTrue();
  }

  @Test
  void nanosUntilProbe_saysWhenABackgroundProbeMayRun() {
    assertThat(breaker.nanosUntilProbe()).as("closed: no probe needed").isEqualTo(-1);
    fail();
    fail();
    fail();
    assertThat(breaker.nanosUntilProbe()).isEqualTo(Duration.ofMillis(500).toNanos());
    ticker.advance(Duration.ofMillis(200));
    assertThat(breaker.nanosUntilProbe()).isEqualTo(Duration.ofMillis(300).toNanos());
    ticker.advance(Duration.ofMillis(400));
    assertThat(breaker.nanosUntilProbe()).as("overdue").isZero();

    assertThat(breaker.tryAcquire()).isTrue();
    assertThat(breaker.nanosUntilProbe())
        .as("half-open: until the probe in flight is given up on")
        .isEqualTo(Duration.ofMillis(500).toNanos());
    breaker.onSuccess();
    assertThat(breaker.nanosUntilProbe()).isEqualTo(-1);
  }

  @Test
  void theListenerHearsTheFailureThatOpened_andOfAFailedProbe() {
    fail();
    fail();
    breaker.onFailure(new IllegalStateException("third"));
    ticker.advance(Duration.ofMillis(500));
    assertThat(breaker.tryAcquire()).isTrue();
    breaker.onFailure(new IllegalStateException("probe"));

    assertThat(changes).containsExactly("CLOSED>OPEN", "OPEN>HALF_OPEN", "HALF_OPEN>OPEN");
    assertThat(causes)
        .containsExactly(
            "java.lang.IllegalStateException: third",
            "null",
            "java.lang.IllegalStateException: probe");
  }
}
