package io.strata.cache.redis;

import java.time.Duration;
import java.util.Objects;

/**
 * When a Redis tier stops sending commands to a failing Redis, and when it tries again. Immutable
 * and thread-safe.
 *
 * <p>The breaker opens after {@link #failureThreshold()} consecutive failures (timeouts,
 * connection errors, error replies that mean the server cannot serve). While open, no command
 * reaches Redis: reads skip the tier and writes are not taken (counted; changes are journaled by
 * the cache). After {@link #openDuration()} a background probe (a {@code PING}, inside {@code
 * MULTI ... EXEC} on a single node as the tier's own calls are) is let through; if
 * it succeeds the breaker closes and the cache replays the changes the tier did not take; if it
 * fails, the breaker stays open twice as long, up to {@link #maxOpenDuration()}.
 *
 * <p>Defaults: 3 failures, 500 ms, 10 s.
 */
public final class CircuitBreakerConfig {

  private static final CircuitBreakerConfig DEFAULTS = builder().build();

  private final int failureThreshold;
  private final Duration openDuration;
  private final Duration maxOpenDuration;

  private CircuitBreakerConfig(Builder builder) {
    this.failureThreshold = builder.failureThreshold;
    this.openDuration = builder.openDuration;
    this.maxOpenDuration = builder.maxOpenDuration;
  }

  /** Returns the default configuration. */
  public static CircuitBreakerConfig defaults() {
    return DEFAULTS;
  }

  /** Starts a configuration from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns how many consecutive failures open the breaker. */
  public int failureThreshold() {
    return failureThreshold;
  }

  /** Returns how long the breaker stays open before its first probe. */
  public Duration openDuration() {
    return openDuration;
  }

  /** Returns the longest the breaker stays open between probes. */
  public Duration maxOpenDuration() {
    return maxOpenDuration;
  }

  @Override
  public String toString() {
    return "CircuitBreakerConfig{failureThreshold=" + failureThreshold + ", openDuration="
        + openDuration + ", maxOpenDuration=" + maxOpenDuration + '}';
  }

  /** Builds a {@link CircuitBreakerConfig}; validates each value as it is set. Not thread-safe. */
  public static final class Builder {
    private int failureThreshold = 3;
    private Duration openDuration = Duration.ofMillis(500);
    private Duration maxOpenDuration = Duration.ofSeconds(10);

    private Builder() {}

    /** Sets how many consecutive failures open the breaker; at least 1. */
    public Builder failureThreshold(int failures) {
      if (failures < 1) {
        throw new IllegalArgumentException("failureThreshold must be at least 1, but was " + failures);
      }
      this.failureThreshold = failures;
      return this;
    }

    /** Sets how long the breaker stays open before its first probe. */
    public Builder openDuration(Duration duration) {
      this.openDuration = positive(duration, "openDuration");
      return this;
    }

    /** Sets the longest the breaker stays open between probes after repeated failed probes. */
    public Builder maxOpenDuration(Duration duration) {
      this.maxOpenDuration = positive(duration, "maxOpenDuration");
      return this;
    }

    /**
     * Returns the configuration.
     *
     * @throws IllegalStateException if maxOpenDuration is shorter than openDuration
     */
    public CircuitBreakerConfig build() {
      if (maxOpenDuration.compareTo(openDuration) < 0) {
        throw new IllegalStateException(
            "maxOpenDuration (" + maxOpenDuration + ") must not be shorter than openDuration ("
                + openDuration + ")");
      }
      return new CircuitBreakerConfig(this);
    }

    private static Duration positive(Duration duration, String name) {
      Objects.requireNonNull(duration, name);
      if (duration.isNegative() || duration.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, but was " + duration);
      }
      return duration;
    }
  }
}
