package io.strata.cache;

/**
 * When a read of a fresh entry should also start a background reload, so that hot keys are
 * renewed before they expire and callers never wait for them.
 *
 * <p>Immutable and thread-safe. The reload is coalesced with any other load of the key, uses
 * {@link Loader#reload}, and if it fails the entry is left as it was.
 */
public final class RefreshAhead {

  private final double lifetimeFraction;
  private final double beta;

  private RefreshAhead(double lifetimeFraction, double beta) {
    this.lifetimeFraction = lifetimeFraction;
    this.beta = beta;
  }

  /**
   * Reloads an entry read after {@code lifetimeFraction} of its time to live has passed (0.8:
   * in the last fifth of its life).
   *
   * @throws IllegalArgumentException if the fraction is not in (0, 1)
   */
  public static RefreshAhead atFraction(double lifetimeFraction) {
    if (!(lifetimeFraction > 0 && lifetimeFraction < 1)) {
      throw new IllegalArgumentException(
          "lifetimeFraction must be in (0, 1), but was " + lifetimeFraction);
    }
    return new RefreshAhead(lifetimeFraction, 0);
  }

  /**
   * Reloads early with a probability that grows as expiry nears, weighted by how long the value
   * took to load (XFetch, Vattani et al., "Optimal Probabilistic Cache Stampede Prevention"): a
   * read at time {@code now} reloads when {@code now - loadTime * beta * ln(random) >= expiry}.
   * Instances that share a remote tier then rarely reload a key at the same moment. {@code beta}
   * 1.0 is the paper's default; larger values reload earlier.
   *
   * @throws IllegalArgumentException if {@code beta} is not positive and finite
   */
  public static RefreshAhead probabilistic(double beta) {
    if (!(beta > 0 && beta < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException("beta must be positive and finite, but was " + beta);
    }
    return new RefreshAhead(0, beta);
  }

  /**
   * Returns whether a read at {@code now} of {@code entry} should reload it.
   *
   * @param uniform a random number in (0, 1]
   */
  public boolean shouldRefresh(CacheEntry<?> entry, long now, double uniform) {
    if (beta == 0) {
      return now - entry.createdAt() >= (long) (entry.lifetimeNanos() * lifetimeFraction);
    }
    double early = entry.loadNanos() * beta * -Math.log(uniform);
    return now + early >= entry.expiresAt();
  }

  @Override
  public String toString() {
    return beta == 0
        ? "RefreshAhead.atFraction(" + lifetimeFraction + ")"
        : "RefreshAhead.probabilistic(" + beta + ")";
  }
}
