package io.strata.cache.benchmarks;

import java.io.IOException;
import java.util.Collection;
import java.util.Objects;
import java.util.function.Supplier;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.IterationType;
import org.openjdk.jmh.runner.format.OutputFormat;

/**
 * JMH's output, passed through, that also takes a snapshot of the server's counters when a fork's
 * first measured iteration begins and when its last one has ended, and counts the operations of
 * the measured iterations: what the server did for the benchmark's steady state, without its
 * trial setup (filling Redis) and warm-up.
 *
 * <p>JMH calls it from the thread that reads the fork's reports, slightly after the fork acted: a
 * millisecond or so of the first measured iteration runs before the first snapshot. Not for a run
 * of more than one benchmark.
 */
final class MeasuredWindow implements OutputFormat {

  private final OutputFormat delegate;
  private final Supplier<ServerCost.Snapshot> snapshot;
  private ServerCost.Snapshot window = ServerCost.none();
  private ServerCost.Snapshot start;
  private long operations;
  private RuntimeException failure;

  MeasuredWindow(OutputFormat delegate, Supplier<ServerCost.Snapshot> snapshot) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.snapshot = Objects.requireNonNull(snapshot, "snapshot");
  }

  /** Returns the server's cost over the measured iterations of the run; fails if a snapshot did. */
  ServerCost cost(String benchmark, int threads) {
    if (failure != null) {
      throw new IllegalStateException("could not read the server's counters for " + benchmark, failure);
    }
    if (operations == 0) {
      throw new IllegalStateException("no measured operation of " + benchmark);
    }
    return ServerCost.of(benchmark, threads, operations, window);
  }

  @Override
  public void iteration(BenchmarkParams benchParams, IterationParams params, int iteration) {
    if (params.getType() == IterationType.MEASUREMENT && iteration == 1) {
      start = take();
    }
    delegate.iteration(benchParams, params, iteration);
  }

  @Override
  public void iterationResult(
      BenchmarkParams benchParams, IterationParams params, int iteration, IterationResult data) {
    if (params.getType() == IterationType.MEASUREMENT) {
      operations += data.getMetadata().getAllOps();
      if (iteration == params.getCount() && start != null) {
        ServerCost.Snapshot end = take();
        if (end != null) {
          window = window.plus(end.minus(start));
        }
        start = null;
      }
    }
    delegate.iterationResult(benchParams, params, iteration, data);
  }

  private ServerCost.Snapshot take() {
    try {
      return snapshot.get();
    } catch (RuntimeException e) {
      // Thrown here, it would end JMH's reading of the fork; reported by cost() instead.
      if (failure == null) {
        failure = e;
      }
      return null;
    }
  }

  @Override
  public void startBenchmark(BenchmarkParams benchParams) {
    delegate.startBenchmark(benchParams);
  }

  @Override
  public void endBenchmark(BenchmarkResult result) {
    delegate.endBenchmark(result);
  }

  @Override
  public void startRun() {
    delegate.startRun();
  }

  @Override
  public void endRun(Collection<RunResult> result) {
    delegate.endRun(result);
  }

  @Override
  public void print(String s) {
    delegate.print(s);
  }

  @Override
  public void println(String s) {
    delegate.println(s);
  }

  @Override
  public void flush() {
    delegate.flush();
  }

  @Override
  public void close() {
    delegate.close();
  }

  @Override
  public void verbosePrintln(String s) {
    delegate.verbosePrintln(s);
  }

  @Override
  public void write(int b) {
    delegate.write(b);
  }

  @Override
  public void write(byte[] b) throws IOException {
    delegate.write(b);
  }
}
