package io.strata.cache;

import java.util.Objects;

/**
 * A tier's health as it reports it, for {@code /health} endpoints and metrics. Immutable.
 *
 * @param state the state
 * @param detail a short human-readable explanation, empty when up
 */
public record TierHealth(State state, String detail) {

  private static final TierHealth UP = new TierHealth(State.UP, "");

  /** The states of a tier. */
  public enum State {
    /** Serving normally. */
    UP,
    /** Serving, but some operations fail or are skipped (for instance, a half-open breaker). */
    DEGRADED,
    /** Skipped: reads miss and writes are dropped until it recovers. */
    DOWN
  }

  /**
   * Creates a tier health.
   *
   * @throws NullPointerException if {@code state} or {@code detail} is null
   */
  public TierHealth {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(detail, "detail");
  }

  /** Returns the health of a tier that works. */
  public static TierHealth up() {
    return UP;
  }

  /** Returns a degraded health with an explanation. */
  public static TierHealth degraded(String detail) {
    return new TierHealth(State.DEGRADED, detail);
  }

  /** Returns a down health with an explanation. */
  public static TierHealth down(String detail) {
    return new TierHealth(State.DOWN, detail);
  }
}
