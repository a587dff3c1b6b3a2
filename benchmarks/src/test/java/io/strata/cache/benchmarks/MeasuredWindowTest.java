package io.strata.cache.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.IterationResultMetaData;
import org.openjdk.jmh.runner.IterationType;
import org.openjdk.jmh.runner.format.OutputFormat;
import org.openjdk.jmh.runner.options.TimeValue;

class MeasuredWindowTest {

  private final Deque<ServerCost.Snapshot> counters = new ArrayDeque<>();
  private final List<String> passedThrough = new ArrayList<>();
  private final MeasuredWindow window =
      new MeasuredWindow(
          (OutputFormat)
              Proxy.newProxyInstance(
                  getClass().getClassLoader(),
                  new Class<?>[] {OutputFormat.class},
                  (proxy, method, args) -> {
                    passedThrough.add(method.getName());
                    return null;
                  }),
          counters::removeFirst);

  @Test
  void cost_isTheDeltaOverTheMeasuredIterations_andTheirOperations() {
    IterationParams warmup = new IterationParams(IterationType.WARMUP, 2, TimeValue.seconds(1), 1);
    IterationParams measured =
        new IterationParams(IterationType.MEASUREMENT, 2, TimeValue.seconds(1), 1);
    counters.add(snapshot(1_100, 1.0)); // when the first measured iteration begins
    counters.add(snapshot(4_100, 1.5)); // when the last one has ended

    run(warmup, 1, 500);
    run(warmup, 2, 600);
    run(measured, 1, 1_000);
    run(measured, 2, 2_000);
    window.println("passed through");

    ServerCost cost = window.cost("RemoteHitBenchmark.strata_get", 1);
    assertThat(cost.operations()).isEqualTo(3_000);
    assertThat(cost.commands()).containsExactly(new ServerCost.Command("evalsha", 3_000, 12_000));
    assertThat(cost.cpuMicrosPerOperation()).isEqualTo(500_000 / 3_000.0);
    assertThat(counters).isEmpty();
    assertThat(passedThrough)
        .containsExactly(
            "iteration", "iterationResult", "iteration", "iterationResult", "iteration",
            "iterationResult", "iteration", "iterationResult", "println");
  }

  @Test
  void cost_afterAFailedSnapshot_failsNamingTheBenchmark() {
    IterationParams measured =
        new IterationParams(IterationType.MEASUREMENT, 1, TimeValue.seconds(1), 1);

    run(measured, 1, 1_000); // no counters to take: the snapshot throws

    assertThatThrownBy(() -> window.cost("PutBenchmark.strata_put", 1))
        .hasMessageContaining("PutBenchmark.strata_put");
  }

  private void run(IterationParams params, int iteration, long ops) {
    window.iteration(null, params, iteration);
    window.iterationResult(
        null, params, iteration, new IterationResult(null, params, new IterationResultMetaData(ops, ops)));
  }

  private static ServerCost.Snapshot snapshot(long calls, double cpuSeconds) {
    return new ServerCost.Snapshot(
        Map.of("evalsha", new ServerCost.Command("evalsha", calls, calls * 4)), cpuSeconds);
  }
}
