package io.strata.cache.redis.soak;

import java.util.Locale;

/** Small formatting helpers shared by the soak's classes. */
public final class Soak {

  private Soak() {}

  /** {@code nanos - origin} in seconds, three decimals. */
  public static String seconds(long nanos, long origin) {
    return String.format(Locale.ROOT, "%.3f", (nanos - origin) / 1e9);
  }

  /** {@code nanos} in milliseconds, no decimals. */
  public static String millis(long nanos) {
    return String.format(Locale.ROOT, "%d ms", Math.round(nanos / 1e6));
  }
}
