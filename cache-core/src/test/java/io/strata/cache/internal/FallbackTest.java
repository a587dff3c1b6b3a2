package io.strata.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.CacheEntry;
import org.junit.jupiter.api.Test;

/** The expired entry a load keeps at hand: when it may still be served, and which one is kept. */
class FallbackTest {

  private static Fallback<String> expiringAt(long expiresAt, String tier) {
    return new Fallback<>(CacheEntry.builder("v@" + expiresAt, 0, expiresAt).build(), tier);
  }

  @Test
  void servableAt_isTrueStrictlyBeforeTheEndOfTheStaleIfErrorWindow_andFalseAtIt() {
    Fallback<String> fallback =
        new Fallback<>(CacheEntry.builder("v", 0, 100).staleIfErrorUntil(200).build(), "memory");

    assertThat(fallback.servableAt(150)).isTrue();
    assertThat(fallback.servableAt(199)).isTrue();
    assertThat(fallback.servableAt(200)).isFalse();
    assertThat(fallback.servableAt(201)).isFalse();
  }

  @Test
  void servableAt_withoutAStaleIfErrorWindow_endsAtExpiry() {
    Fallback<String> fallback = expiringAt(100, "memory");

    assertThat(fallback.servableAt(99)).isTrue();
    assertThat(fallback.servableAt(100)).isFalse();
  }

  @Test
  void later_picksACandidateThatExpiresLater() {
    Fallback<String> current = expiringAt(100, "memory");
    Fallback<String> candidate = expiringAt(101, "disk");

    assertThat(Fallback.later(current, candidate)).isSameAs(candidate);
  }

  @Test
  void later_keepsTheCurrentOne_whenTheCandidateExpiresAtTheSameTime() {
    Fallback<String> current = expiringAt(100, "memory");
    Fallback<String> candidate = expiringAt(100, "disk");

    assertThat(Fallback.later(current, candidate)).isSameAs(current);
  }

  @Test
  void later_keepsTheCurrentOne_whenTheCandidateExpiresEarlier() {
    Fallback<String> current = expiringAt(100, "memory");
    Fallback<String> candidate = expiringAt(40, "disk");

    assertThat(Fallback.later(current, candidate)).isSameAs(current);
  }
}
