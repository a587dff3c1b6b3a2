package io.strata.cache.benchmarks.scenarios;

import java.util.Arrays;

/** Percentiles of a set of latency samples in nanoseconds. Not thread-safe. */
public final class Latencies {

  private final long[] samples;
  private int count;

  public Latencies(int capacity) {
    samples = new long[capacity];
  }

  public void add(long nanos) {
    samples[count++] = nanos;
  }

  public int count() {
    return count;
  }

  /** Returns the {@code p}-th percentile (0 to 100) in milliseconds, nearest-rank. */
  public double percentileMillis(double p) {
    if (count == 0) {
      throw new IllegalStateException("no samples");
    }
    long[] sorted = Arrays.copyOf(samples, count);
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * count);
    return sorted[Math.max(0, Math.min(count - 1, rank - 1))] / 1e6;
  }
}
