package io.strata.cache.benchmarks.scenarios;

import java.util.ArrayList;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * A cold key asked for by many callers at once: the barrier releases {@code callers} threads
 * together, each reads the same key that no tier holds, and the loader takes {@code loaderMillis}.
 * Each caller's latency runs from its own call to its own answer, so the spread of thread wake-ups
 * on a small machine is not counted against the cache.
 */
public final class CoalescedColdKey {

  /** How one contender reads a key, given the loader it must use on a miss. */
  @FunctionalInterface
  public interface Reader {
    Object get(String key, Function<String, byte[]> loader);
  }

  /**
   * The outcome for one contender over all measured rounds; {@code loaderStartMillis} is the
   * median time from a round's start to its first loader call.
   */
  public record Result(
      String subject, String threads, int callers, int rounds, int maxLoadsPerRound,
      double p50Millis, double p99Millis, double maxMillis, double loaderStartMillis) {}

  private final int callers;
  private final long loaderMillis;
  private final String threadKind;
  private final ThreadFactory threads;

  /** Callers on {@code threads} ({@code threadKind} names them in results). */
  public CoalescedColdKey(int callers, long loaderMillis, String threadKind, ThreadFactory threads) {
    this.callers = callers;
    this.loaderMillis = loaderMillis;
    this.threadKind = threadKind;
    this.threads = threads;
  }

  /** Returns platform threads. */
  public static ThreadFactory platformThreads() {
    return task -> {
      Thread thread = new Thread(task, "cold-caller");
      thread.setDaemon(true);
      return thread;
    };
  }

  /** Returns a factory of virtual threads on JDK 21 and later, empty before (built for 17). */
  public static Optional<ThreadFactory> virtualThreads() {
    try {
      Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
      Method factory = Class.forName("java.lang.Thread$Builder").getMethod("factory");
      return Optional.of((ThreadFactory) factory.invoke(builder));
    } catch (ReflectiveOperationException e) {
      return Optional.empty();
    }
  }

  /** Runs {@code warmup} unmeasured rounds, then {@code measuredRounds} measured ones, on fresh keys. */
  public Result run(String subject, Reader reader, int warmup, int measuredRounds)
      throws InterruptedException {
    return runInterleaved(Map.of(subject, reader), warmup, measuredRounds).get(0);
  }

  /**
   * Runs {@code warmup} unmeasured rounds, then {@code measuredRounds} measured ones, of every
   * subject, round by round: round r of each subject, in an order that rotates, then round r + 1.
   * Each subject's rounds thus meet the same moments of a noisy host as the others', rather than
   * minutes of their own. Returns one result per subject, in the map's order.
   */
  public List<Result> runInterleaved(Map<String, Reader> subjects, int warmup, int measuredRounds)
      throws InterruptedException {
    List<Contender> contenders = new ArrayList<>(subjects.size());
    try {
      for (Map.Entry<String, Reader> subject : subjects.entrySet()) {
        contenders.add(new Contender(subject.getKey(), subject.getValue(), warmup, measuredRounds));
      }
      for (int r = 0; r < warmup + measuredRounds; r++) {
        for (int i = 0; i < contenders.size(); i++) {
          contenders.get((i + r) % contenders.size()).round(r);
        }
      }
    } finally {
      for (Contender contender : contenders) {
        contender.stop();
      }
    }
    return contenders.stream().map(Contender::result).toList();
  }

  /** One subject's callers, parked between rounds, and what its measured rounds gave. */
  private final class Contender {
    private final String subject;
    private final int warmup;
    private final int measuredRounds;
    private final AtomicInteger loads = new AtomicInteger();
    // When the round's first load began: what a cache does before calling its loader (a walk of
    // the tiers below, a lease) delays every caller's answer.
    private final AtomicLong loaderStart = new AtomicLong();
    // One latch per round to start it and one to end it. Not a CyclicBarrier: callers that have
    // their answer would queue on its lock; not a Phaser: its waiters spin while others arrive,
    // and on 2 cores that spinning starves the callers still waiting to take their clock reading.
    private final CountDownLatch[] starts;
    private final CountDownLatch[] ends;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final long[] latencies = new long[callers];
    private final List<Thread> started = new ArrayList<>(callers);
    private final Latencies measured;
    private final Latencies loaderDelays;
    private int maxLoads;

    Contender(String subject, Reader reader, int warmup, int measuredRounds) {
      this.subject = subject;
      this.warmup = warmup;
      this.measuredRounds = measuredRounds;
      this.measured = new Latencies(callers * measuredRounds);
      this.loaderDelays = new Latencies(measuredRounds);
      Function<String, byte[]> loader =
          key -> {
            loads.incrementAndGet();
            loaderStart.compareAndSet(0, System.nanoTime());
            try {
              Thread.sleep(loaderMillis);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new IllegalStateException(e);
            }
            return key.getBytes(java.nio.charset.StandardCharsets.UTF_8);
          };
      int total = warmup + measuredRounds;
      String[] keys = new String[total];
      starts = new CountDownLatch[total + 1];
      ends = new CountDownLatch[total];
      for (int r = 0; r <= total; r++) {
        starts[r] = new CountDownLatch(1);
        if (r < total) {
          keys[r] = subject + "-cold-" + r + "-" + System.nanoTime();
          ends[r] = new CountDownLatch(callers);
        }
      }
      for (int t = 0; t < callers; t++) {
        int slot = t;
        Thread thread =
            threads.newThread(
                () -> {
                  for (int r = 0; r <= total; r++) {
                    try {
                      starts[r].await();
                    } catch (InterruptedException e) {
                      return;
                    }
                    if (r == total) {
                      return;
                    }
                    try {
                      long begin = System.nanoTime();
                      Object value = reader.get(keys[r], loader);
                      latencies[slot] = System.nanoTime() - begin;
                      if (value == null) {
                        failure.compareAndSet(null, new IllegalStateException("null for " + keys[r]));
                      }
                    } catch (RuntimeException e) {
                      failure.compareAndSet(null, e);
                    }
                    ends[r].countDown();
                  }
                });
        thread.start();
        started.add(thread);
      }
    }

    void round(int r) throws InterruptedException {
      loads.set(0);
      loaderStart.set(0);
      long roundStart = System.nanoTime();
      starts[r].countDown();
      if (!ends[r].await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException(subject + ": callers did not finish a round in 30 s");
      }
      if (failure.get() != null) {
        throw new IllegalStateException(subject + " failed a caller", failure.get());
      }
      if (r >= warmup) {
        loaderDelays.add(loaderStart.get() == 0 ? 0 : loaderStart.get() - roundStart);
        maxLoads = Math.max(maxLoads, loads.get());
        for (long nanos : latencies) {
          measured.add(nanos);
        }
      }
    }

    /** Ends the callers: those done go on to the last latch, those parked on a round left undone return. */
    void stop() throws InterruptedException {
      starts[starts.length - 1].countDown();
      for (Thread thread : started) {
        thread.interrupt();
      }
      for (Thread thread : started) {
        thread.join(5_000);
      }
    }

    Result result() {
      return new Result(
          subject,
          threadKind,
          callers,
          measuredRounds,
          maxLoads,
          measured.percentileMillis(50),
          measured.percentileMillis(99),
          measured.percentileMillis(100),
          loaderDelays.percentileMillis(50));
    }
  }
}
