package io.strata.cache;

import org.jspecify.annotations.Nullable;

/**
 * Thrown by a {@link CacheTier} that cannot serve a call now (not connected, breaker open, timed
 * out) and reports its own outage through {@link CacheTier#health()} and its own log. The cache
 * treats the call as failed, like any exception (a read misses; a change is remembered and
 * replayed once the tier {@linkplain InvalidationSink#recovered() recovers}), counts it, and
 * does not log it again. Never reaches a caller of the cache.
 *
 * <p>Tiers on a hot path may reuse one instance without a stack trace ({@code
 * writableStackTrace = false}): nothing about the throwing frame is useful.
 */
public class TierUnavailableException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message that says why the tier cannot serve. */
  public TierUnavailableException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }

  /**
   * Creates an exception for reuse on a hot path: without a stack trace, and unless {@code
   * suppression} without suppressed exceptions.
   */
  protected TierUnavailableException(
      String message, @Nullable Throwable cause, boolean suppression, boolean stackTrace) {
    super(message, cause, suppression, stackTrace);
  }
}
