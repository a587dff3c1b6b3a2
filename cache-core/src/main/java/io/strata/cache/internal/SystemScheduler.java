package io.strata.cache.internal;

import io.strata.cache.Scheduler;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** The default {@link Scheduler}: one daemon thread shared by every cache in the JVM. */
public enum SystemScheduler implements Scheduler {
  INSTANCE;

  private final ScheduledExecutorService executor =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "strata-scheduler");
            thread.setDaemon(true);
            return thread;
          });

  @Override
  public Future<?> schedule(Duration delay, Runnable task) {
    return executor.schedule(task, Durations.nanos(delay), TimeUnit.NANOSECONDS);
  }
}
