package io.strata.cache.benchmarks.scenarios;

import io.strata.cache.benchmarks.PropagationPair;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Times how long a write at instance A takes to remove B's local copy: from the start of A's write
 * to the moment B's library has applied the invalidation (its own thread takes the clock, so the
 * measuring thread's wake-up is not counted). One key in flight at a time, writes paced at a fixed
 * rate, B re-reading the key between writes so it always holds a copy to lose.
 */
public final class InvalidationPropagation {

  /** The outcome for one library. */
  public record Result(
      String subject, int samples, int ratePerSecond, double p50Millis, double p99Millis,
      double maxMillis, int lost) {}

  private static final int KEYS = 64;
  private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);

  private volatile long invalidatedAt;
  private volatile Thread waiter;

  /** Runs {@code warmup} unmeasured writes, then {@code samples} measured ones. */
  public Result run(String subject, PropagationPair pair, int warmup, int samples, int ratePerSecond) {
    waiter = Thread.currentThread();
    pair.onInvalidationAtB(
        () -> {
          invalidatedAt = System.nanoTime();
          LockSupport.unpark(waiter);
        });
    long period = TimeUnit.SECONDS.toNanos(1) / ratePerSecond;
    Latencies measured = new Latencies(samples);
    byte[] value = new byte[256];
    int lost = 0;
    for (int k = 0; k < KEYS; k++) {
      pair.writeAtA("k" + k, value);
    }
    long next = System.nanoTime();
    for (int i = 0; i < warmup + samples; i++) {
      String key = "k" + (i % KEYS);
      awaitHeldAtB(pair, key, subject);
      next += period;
      LockSupport.parkNanos(next - System.nanoTime());
      value[0] = (byte) i;
      invalidatedAt = 0;
      long begin = System.nanoTime();
      pair.writeAtA(key, value);
      long end;
      // Parked, not spinning: on two cores a spinning waiter would slow the very threads timed.
      while ((end = invalidatedAt) == 0 && System.nanoTime() - begin < WAIT_NANOS) {
        LockSupport.parkNanos(WAIT_NANOS);
      }
      if (i < warmup) {
        continue;
      }
      if (end == 0 || pair.heldAtB(key)) {
        lost++;
      } else {
        measured.add(end - begin);
      }
    }
    return new Result(
        subject,
        measured.count(),
        ratePerSecond,
        measured.percentileMillis(50),
        measured.percentileMillis(99),
        measured.percentileMillis(100),
        lost);
  }

  private static void awaitHeldAtB(PropagationPair pair, String key, String subject) {
    long deadline = System.nanoTime() + WAIT_NANOS;
    pair.readAtB(key);
    while (!pair.heldAtB(key)) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(subject + ": B never kept a local copy of " + key);
      }
      LockSupport.parkNanos(100_000);
      pair.readAtB(key);
    }
  }
}
