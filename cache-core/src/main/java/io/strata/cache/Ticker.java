package io.strata.cache;

/**
 * A source of nanosecond time, the only clock a cache reads: expiry, refresh and load durations
 * are all measured with it, so tests can move time by hand instead of sleeping.
 *
 * <p>Implementations must be thread-safe and monotonic (never go backwards). Only differences
 * between readings mean anything.
 */
@FunctionalInterface
public interface Ticker {

  /** Returns the current time in nanoseconds, on an arbitrary origin. */
  long read();

  /** Returns the ticker backed by {@link System#nanoTime()}. */
  static Ticker system() {
    return System::nanoTime;
  }
}
