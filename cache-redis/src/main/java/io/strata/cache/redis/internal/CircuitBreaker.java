package io.strata.cache.redis.internal;

import io.strata.cache.Ticker;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A consecutive-failure circuit breaker with one probe at a time. Thread-safe and lock-free; a
 * closed breaker costs one volatile read per call.
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
    void stateChanged(State from, State to, String cause);
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
        listener.stateChanged(State.OPEN, State.HALF_OPEN, "probe");
      }
      return true;
    }
    return false;
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
      listener.stateChanged(current.state(), State.CLOSED, "probe succeeded");
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
      listener.stateChanged(current.state(), State.OPEN, RedisLink.rootMessage(cause));
    }
  }
}
