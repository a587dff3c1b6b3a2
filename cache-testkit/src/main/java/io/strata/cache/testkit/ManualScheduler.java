package io.strata.cache.testkit;

import io.strata.cache.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;

/**
 * A {@link Scheduler} driven by a {@link FakeTicker}: tasks run when {@link #advance} moves the
 * ticker past their deadline, on the thread that calls it. Thread-safe.
 */
public final class ManualScheduler implements Scheduler {

  private final FakeTicker ticker;
  private final List<Timer> timers = new ArrayList<>();

  public ManualScheduler(FakeTicker ticker) {
    this.ticker = ticker;
  }

  @Override
  public synchronized Future<?> schedule(Duration delay, Runnable task) {
    Timer timer = new Timer(ticker.read() + delay.toNanos(), new FutureTask<>(task, null));
    timers.add(timer);
    notifyAll();
    return timer.task;
  }

  /** Returns the number of timers scheduled so far, fired or not. */
  public synchronized int scheduled() {
    return timers.size();
  }

  /** Blocks until at least {@code count} timers have been scheduled (bounded by 10 s). */
  public synchronized void awaitScheduled(int count) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (timers.size() < count) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("only " + timers.size() + " of " + count + " timers were scheduled");
      }
      wait(Math.max(1, left / 1_000_000));
    }
  }

  /** Moves the ticker by {@code duration} and runs every task that is due. */
  public void advance(Duration duration) {
    ticker.advance(duration);
    List<Timer> due = new ArrayList<>();
    synchronized (this) {
      for (Timer timer : timers) {
        if (!timer.fired && timer.deadline - ticker.read() <= 0) {
          timer.fired = true;
          due.add(timer);
        }
      }
    }
    due.forEach(timer -> timer.task.run());
  }

  private static final class Timer {
    final long deadline;
    final FutureTask<?> task;
    boolean fired;

    Timer(long deadline, FutureTask<?> task) {
      this.deadline = deadline;
      this.task = task;
    }
  }
}
