package io.strata.cache.redis.internal;

import io.strata.cache.Ticker;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * A consecutive-failure circuit breaker with one probe at a time. Thread-safe and lock-free; a
 * closed breaker costs one volatile read per call.
 *
 * <p>A probe is whoever {@link #tryAcquire} lets through once the open period is over: a caller's
 * command, or the background probe the tier schedules with {@link #nanosUntilProbe}, so that the
 * breaker closes when Redis answers again even if no caller comes. Every probe must report with
 * {@link #onSuccess} or {@link #onFailure}; one that never reports is given up on after its period.
 */
public final class CircuitBreaker {

  /** The breaker's states. */
  public enum State {
    CLOSED,
    OPEN,
    HALF_OPEN
  }

  /** Hears state changes; called by the thread that caused them, never concurrently for one change. */
  public interface Listener {
    /**
     * Called after each change; {@code cause} is the failure that opened the breaker (to OPEN),
     * null otherwise.
     */
    void stateChanged(State from, State to, @Nullable Throwable cause);
  }

  private record Status(State state, long openUntil, long openNanos) {}

  private final Ticker ticker;
  private final int failureThreshold;
  private final long firstOpenNanos;
  private final long maxOpenNanos;
  private final Listener listener;
  private final AtomicInteger consecutiveFailures = new AtomicInteger();
  private final AtomicReference<Status> status;

  public CircuitBreaker(
      Ticker ticker, int failureThreshold, long openNanos, long maxOpenNanos, Listener listener) {
    this.ticker = ticker;
    this.failureThreshold = failureThreshold;
    this.firstOpenNanos = openNanos;
    this.maxOpenNanos = maxOpenNanos;
    this.listener = listener;
    this.status = new AtomicReference<>(new Status(State.CLOSED, 0, openNanos));
  }

  /** Returns the current state. */
  public State state() {
    return status.get().state();
  }

  /**
   * Returns whether a call may go to Redis now. When the open period is over, exactly one caller
   * gets true (the probe) and the breaker is half-open until that call reports.
   */
  public boolean tryAcquire() {
    Status current = status.get();
    if (current.state() == State.CLOSED) {
      return true;
    }
    long now = ticker.read();
    if (current.state() == State.HALF_OPEN) {
      // A probe that never reports (its caller vanished) must not hold the breaker forever.
      if (now - current.openUntil() < 0) {
        return false;
      }
    } else if (now - current.openUntil() < 0) {
      return false;
    }
    // While half-open, openUntil is when the probe is given up on.
    Status probing = new Status(State.HALF_OPEN, now + current.openNanos(), current.openNanos());
    if (status.compareAndSet(current, probing)) {
      if (current.state() == State.OPEN) {
        listener.stateChanged(State.OPEN, State.HALF_OPEN, null);
      }
      return true;
    }
    return false;
  }

  /**
   * Returns how long until {@link #tryAcquire} may let a probe through: 0 if it may now, -1 while
   * closed (no probe needed). While half-open, the time until the probe in flight is given up on.
   */
  public long nanosUntilProbe() {
    Status current = status.get();
    if (current.state() == State.CLOSED) {
      return -1;
    }
    return Math.max(0, current.openUntil() - ticker.read());
  }

  /**
   * Ends the open period now, so the next call probes: for when Redis is known to be back (the
   * connection was re-established), rather than waiting out a backoff grown during the outage.
   */
  public void probeSoon() {
    Status current = status.get();
    if (current.state() == State.OPEN) {
      status.compareAndSet(current, new Status(State.OPEN, ticker.read(), current.openNanos()));
    }
  }

  /** Reports a call that reached Redis and got an answer. */
  public void onSuccess() {
    consecutiveFailures.set(0);
    Status current = status.get();
    if (current.state() != State.CLOSED
        && status.compareAndSet(current, new Status(State.CLOSED, 0, firstOpenNanos))) {
      listener.stateChanged(current.state(), State.CLOSED, null);
    }
  }

  /** Reports a call that failed for a reason that says Redis is unreachable or slow. */
  public void onFailure(Throwable cause) {
    Status current = status.get();
    if (current.state() == State.HALF_OPEN) {
      long longer = Math.min(current.openNanos() * 2, maxOpenNanos);
      open(current, longer, cause);
    } else if (current.state() == State.CLOSED
        && consecutiveFailures.incrementAndGet() >= failureThreshold) {
      open(current, current.openNanos(), cause);
    }
  }

  private void open(Status current, long openNanos, Throwable cause) {
    Status opened = new Status(State.OPEN, ticker.read() + openNanos, openNanos);
    if (status.compareAndSet(current, opened)) {
      consecutiveFailures.set(0);
      listener.stateChanged(current.state(), State.OPEN, cause);
    }
  }
}
