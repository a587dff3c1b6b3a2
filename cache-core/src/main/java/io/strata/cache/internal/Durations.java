package io.strata.cache.internal;

import java.time.Duration;

/**
 * Duration arithmetic that cannot overflow. Every duration a user or a source gives (a TTL, a
 * stale window, a timeout) is read through {@link #nanos}, which caps it at {@link #MAX_NANOS},
 * about 36 years: far beyond any useful lifetime, yet small enough that a ticker reading plus two
 * such spans stays comparable with {@code a - b < 0}.
 */
public final class Durations {

  /** The longest span the cache works with, in nanoseconds (2^60, about 36.5 years). */
  public static final long MAX_NANOS = 1L << 60;

  private Durations() {}

  /** Returns {@code duration} in nanoseconds, within [-{@link #MAX_NANOS}, {@link #MAX_NANOS}]. */
  public static long nanos(Duration duration) {
    if (duration.getSeconds() >= MAX_NANOS / 1_000_000_000L) {
      return MAX_NANOS;
    }
    if (duration.getSeconds() <= -MAX_NANOS / 1_000_000_000L) {
      return -MAX_NANOS;
    }
    return duration.toNanos();
  }
}
