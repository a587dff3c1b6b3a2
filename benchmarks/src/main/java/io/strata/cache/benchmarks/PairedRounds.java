package io.strata.cache.benchmarks;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs the {@code @Benchmark} methods of one class in rounds, all in one JVM: every method is
 * warmed up once, then each round runs every method for one warm-up and two measured iterations,
 * in an order that rotates from round to round. The suite starts one such JVM per class and
 * compares two methods round by round.
 *
 * <p>Why rounds: on a shared 2-core host the largest error is drift, the machine being slower for
 * minutes at a time. Separate JMH runs of two methods minutes apart carry that drift into their
 * ratio; a round's two figures are seconds apart, so the ratio of each round cancels it, and the
 * spread of the per-round ratios is the error that remains. JMH runs here with no fork: the methods
 * of one class share the JVM's compiled code, as the clients of one service would.
 */
final class PairedRounds {

  /**
   * What one method measured.
   *
   * @param benchmark simple class name and method
   * @param rounds the method's score in each round, in round order
   * @param operations every measured operation of every round
   * @param cost the server's counters summed over the measured iterations of every round
   */
  record Method(
      String benchmark,
      int threads,
      String unit,
      List<Double> rounds,
      long operations,
      ServerCost.Snapshot cost) {}

  /** How long to run: warm-up iterations per method, rounds, and the length of one iteration. */
  record Plan(String benchmarkClass, int threads, int warmups, int rounds, long iterationMillis) {

    Plan {
      if (warmups < 1 || rounds < Report.MIN_ROUNDS || iterationMillis < 1) {
        throw new IllegalArgumentException(
            "need at least 1 warm-up, " + Report.MIN_ROUNDS + " rounds and 1 ms iterations: " + this);
      }
    }

    List<String> arguments() {
      return List.of(
          benchmarkClass,
          Integer.toString(threads),
          Integer.toString(warmups),
          Integer.toString(rounds),
          Long.toString(iterationMillis));
    }

    static Plan parse(List<String> args) {
      return new Plan(
          args.get(0),
          Integer.parseInt(args.get(1)),
          Integer.parseInt(args.get(2)),
          Integer.parseInt(args.get(3)),
          Long.parseLong(args.get(4)));
    }
  }

  private PairedRounds() {}

  /**
   * Runs {@code plan} in a JVM of its own (the classpath of this one) against {@code redisUri}
   * and returns what each method measured.
   */
  static List<Method> inNewJvm(Plan plan, String redisUri) throws IOException, InterruptedException {
    Path output = Files.createTempFile("strata-rounds-", ".json");
    try {
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(List.of("-Xms1g", "-Xmx1g", "-D" + Bench.REDIS_PROPERTY + "=" + redisUri));
      command.addAll(List.of("-cp", System.getProperty("java.class.path")));
      command.add(PairedRounds.class.getName());
      command.addAll(plan.arguments());
      command.add(output.toString());
      int exit = new ProcessBuilder(command).inheritIO().start().waitFor();
      if (exit != 0) {
        throw new IllegalStateException("the rounds of " + plan + " failed: exit code " + exit);
      }
      return read(output);
    } finally {
      Files.deleteIfExists(output);
    }
  }

  /** {@code <class> <threads> <warm-ups> <rounds> <iteration ms> <output.json>}. */
  public static void main(String[] args) throws Exception {
    Plan plan = Plan.parse(List.of(args));
    write(run(plan), Path.of(args[5]));
  }

  static void write(List<Method> measured, Path file) throws IOException {
    new ObjectMapper().writeValue(file.toFile(), measured);
  }

  static List<Method> read(Path file) throws IOException {
    return new ObjectMapper().readValue(file.toFile(), new TypeReference<List<Method>>() {});
  }

  /** Runs {@code plan} in this JVM. */
  static List<Method> run(Plan plan) throws RunnerException, ClassNotFoundException {
    Class<?> benchmark = Class.forName(PairedRounds.class.getPackageName() + "." + plan.benchmarkClass());
    List<String> methods = BenchmarkSuite.benchmarkMethods(benchmark);
    for (String method : methods) {
      runOnce(plan, method, plan.warmups(), 1);
    }
    Map<String, Tally> tallies = new LinkedHashMap<>();
    methods.forEach(method -> tallies.put(method, new Tally()));
    for (int round = 0; round < plan.rounds(); round++) {
      StringBuilder line = new StringBuilder("round " + (round + 1) + "/" + plan.rounds() + ":");
      for (int i = 0; i < methods.size(); i++) {
        String method = methods.get((i + round) % methods.size());
        RunResult result = runOnce(plan, method, 1, 2);
        tallies.get(method).add(result);
        line.append(
            String.format(
                Locale.ROOT,
                " %s %.3g %s",
                method,
                result.getPrimaryResult().getScore(),
                result.getPrimaryResult().getScoreUnit()));
      }
      System.out.println(plan.benchmarkClass() + ", " + plan.threads() + " thread(s), " + line);
    }
    List<Method> measured = new ArrayList<>();
    tallies.forEach(
        (method, tally) -> measured.add(tally.method(plan.benchmarkClass() + "." + method, plan.threads())));
    return measured;
  }

  /** One method's figures, round after round. */
  private static final class Tally {
    private final List<Double> scores = new ArrayList<>();
    private String unit = "";
    private long operations;
    private ServerCost.Snapshot cost = ServerCost.none();

    void add(RunResult round) {
      scores.add(round.getPrimaryResult().getScore());
      unit = round.getPrimaryResult().getScoreUnit();
      for (var fork : round.getBenchmarkResults()) {
        for (IterationResult iteration : fork.getIterationResults()) {
          operations += iteration.getMetadata().getAllOps();
          cost = cost.plus(ServerCostProfiler.snapshot(iteration.getSecondaryResults()));
        }
      }
    }

    Method method(String benchmark, int threads) {
      return new Method(benchmark, threads, unit, scores, operations, cost);
    }
  }

  private static RunResult runOnce(Plan plan, String method, int warmups, int iterations)
      throws RunnerException {
    TimeValue iteration = TimeValue.milliseconds(plan.iterationMillis());
    Collection<RunResult> results =
        new Runner(
                new OptionsBuilder()
                    .include("\\." + plan.benchmarkClass() + "\\." + method + "$")
                    .forks(0)
                    .threads(plan.threads())
                    .warmupIterations(warmups)
                    .warmupTime(iteration)
                    .measurementIterations(iterations)
                    .measurementTime(iteration)
                    .addProfiler(ServerCostProfiler.class)
                    .verbosity(VerboseMode.SILENT)
                    .shouldFailOnError(true)
                    .build())
            .run();
    if (results.size() != 1) {
      throw new IllegalStateException(results.size() + " JMH results for " + method);
    }
    return results.iterator().next();
  }
}
