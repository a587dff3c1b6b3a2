package io.strata.cache.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.strata.cache.benchmarks.scenarios.CoalescedColdKey;
import io.strata.cache.benchmarks.scenarios.HitRatio;
import io.strata.cache.benchmarks.scenarios.InvalidationPropagation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.util.ListStatistics;

/**
 * The results of one suite run: every JMH score and scenario outcome, the rows comparing Strata
 * with its baselines against their targets, rendered as JSON and as the markdown table of the
 * benchmarks README. Not thread-safe.
 */
public final class Report {

  static final String BEGIN = "<!-- results:begin -->";
  static final String END = "<!-- results:end -->";

  /**
   * One JMH score: the mean time per operation, its error, and allocation if profiled. A score of
   * {@link PairedRounds} also keeps the score of each round; its error is then the half-width of
   * the 99% confidence interval of the mean over rounds, else JMH's 99.9% error.
   */
  public record Score(
      String benchmark,
      int threads,
      double score,
      double error,
      String unit,
      Double allocBytesPerOp,
      List<Double> rounds) {

    public Score {
      rounds = List.copyOf(rounds);
    }

    /** A score of separate JMH runs, with no rounds. */
    public Score(
        String benchmark, int threads, double score, double error, String unit, Double allocBytesPerOp) {
      this(benchmark, threads, score, error, unit, allocBytesPerOp, List.of());
    }

    /** A score measured in {@code rounds} (3 at least): their mean, with a 99% interval. */
    public static Score ofRounds(String benchmark, int threads, String unit, List<Double> rounds) {
      if (rounds.size() < MIN_ROUNDS) {
        throw new IllegalArgumentException(
            "need at least " + MIN_ROUNDS + " rounds for an interval, " + benchmark + " has " + rounds);
      }
      ListStatistics stats = new ListStatistics();
      rounds.forEach(stats::addValue);
      return new Score(
          benchmark, threads, stats.getMean(), stats.getMeanErrorAt(PAIRED_CONFIDENCE), unit, null, rounds);
    }

    /** Whether both were measured in the same rounds: one class, one thread count, one run. */
    boolean pairedWith(Score other) {
      return !rounds.isEmpty()
          && rounds.size() == other.rounds.size()
          && threads == other.threads
          && owner(benchmark).equals(owner(other.benchmark));
    }
  }

  /** Rounds an interval needs: JMH's statistics give none over 2 values. */
  static final int MIN_ROUNDS = 3;

  /** The confidence of the interval of a ratio taken round by round. */
  static final double PAIRED_CONFIDENCE = 0.99;

  /** One line of the table: what was compared, the figures, the target and whether it was met. */
  public record Row(
      String scenario, String strata, String baseline, String result, String target, boolean met) {}

  private final Map<String, Score> scores = new LinkedHashMap<>();
  private final List<CoalescedColdKey.Result> coalesced = new ArrayList<>();
  private final List<InvalidationPropagation.Result> propagation = new ArrayList<>();
  private final List<HitRatio.Result> hitRatios = new ArrayList<>();
  private final List<ServerCost> serverCosts = new ArrayList<>();
  private final List<Row> rows = new ArrayList<>();
  private final Map<String, String> environment;

  public Report(Map<String, String> environment) {
    this.environment = environment;
  }

  public void add(Score score) {
    scores.put(key(score.benchmark(), score.threads()), score);
  }

  public void add(CoalescedColdKey.Result result) {
    coalesced.add(result);
  }

  public void add(InvalidationPropagation.Result result) {
    propagation.add(result);
  }

  public void add(HitRatio.Result result) {
    hitRatios.add(result);
  }

  public void add(ServerCost cost) {
    serverCosts.add(cost);
  }

  public List<Row> rows() {
    return rows;
  }

  /** Returns the score of {@code benchmark} (simple class name + method) at {@code threads}. */
  public Score score(String benchmark, int threads) {
    Score score = scores.get(key(benchmark, threads));
    if (score == null) {
      throw new IllegalStateException("no result for " + benchmark + " at " + threads + " threads");
    }
    return score;
  }

  /**
   * Adds a row comparing two times: met when the whole interval of strata / baseline is at most
   * {@code maxRatio}. Measured in the same rounds ({@link PairedRounds}), the ratio is the
   * geometric mean of the per-round ratios and the interval its 99% confidence interval (Student's
   * t over rounds). Otherwise the worst end is Strata's slowest over the baseline's fastest (JMH's
   * error being the half-width of a 99.9% confidence interval). A noisy run thus says "no" rather
   * than a lucky "yes".
   */
  public void ratio(String scenario, int threads, String strata, String baseline, double maxRatio) {
    Score s = score(strata, threads);
    Score b = score(baseline, threads);
    double ratio;
    double best;
    double worst;
    if (s.pairedWith(b)) {
      // One ratio per round, both figures seconds apart; their geometric mean and its interval.
      ListStatistics logRatios = new ListStatistics();
      for (int i = 0; i < s.rounds().size(); i++) {
        logRatios.addValue(Math.log(s.rounds().get(i) / b.rounds().get(i)));
      }
      double[] interval = logRatios.getConfidenceIntervalAt(PAIRED_CONFIDENCE);
      ratio = Math.exp(logRatios.getMean());
      best = Math.exp(interval[0]);
      worst = Math.exp(interval[1]);
    } else {
      ratio = s.score() / b.score();
      best = (s.score() - s.error()) / (b.score() + b.error());
      worst =
          b.score() > b.error()
              ? (s.score() + s.error()) / (b.score() - b.error())
              : Double.POSITIVE_INFINITY;
    }
    rows.add(
        new Row(
            scenario + threadsText(threads),
            describe(s),
            describe(b),
            String.format(
                Locale.ROOT,
                "%.2f× (%.2f–%s)",
                ratio,
                Math.max(0, best),
                Double.isInfinite(worst) ? "∞" : String.format(Locale.ROOT, "%.2f×", worst)),
            String.format(Locale.ROOT, "≤ %.2f×", maxRatio),
            worst <= maxRatio));
  }

  /** Adds a row on allocation: met when Strata allocates at most {@code maxAdded} more bytes per op. */
  public void allocation(String scenario, int threads, String strata, String baseline, double maxAdded) {
    Score s = score(strata, threads);
    Score b = score(baseline, threads);
    if (s.allocBytesPerOp() == null || b.allocBytesPerOp() == null) {
      throw new IllegalStateException("no allocation profile for " + strata + " or " + baseline);
    }
    double added = s.allocBytesPerOp() - b.allocBytesPerOp();
    rows.add(
        new Row(
            scenario + threadsText(threads),
            String.format(Locale.ROOT, "%s: %.2f B/op", name(strata), s.allocBytesPerOp()),
            String.format(Locale.ROOT, "%s: %.2f B/op", name(baseline), b.allocBytesPerOp()),
            String.format(Locale.ROOT, "%+.2f B/op", added),
            "0 B/op added (< 1, JMH's figure is a mean)",
            added < maxAdded));
  }

  /**
   * Adds the cold-key row: one load per round, and a p99 within {@code p99SlackMillis} of the
   * floor's, {@code floorSubject} being the least any coalescing cache can do, measured in the
   * same run on the same kind of threads.
   */
  public void coalescing(
      String strataSubject, String floorSubject, String threads, long loaderMillis, double p99SlackMillis) {
    CoalescedColdKey.Result strata = coalescedResult(strataSubject, threads);
    CoalescedColdKey.Result floor = coalescedResult(floorSubject, threads);
    StringBuilder others = new StringBuilder();
    for (CoalescedColdKey.Result other : coalesced) {
      if (other != strata && other.threads().equals(threads)) {
        others.append(
            String.format(
                Locale.ROOT,
                "%s: %d loads, p99 %.1f ms; ",
                other.subject(),
                other.maxLoadsPerRound(),
                other.p99Millis()));
      }
    }
    String scenario =
        String.format(
            Locale.ROOT,
            "Cold key, %,d callers at once on %s threads, loader %d ms (%d rounds)",
            strata.callers(),
            threads,
            loaderMillis,
            strata.rounds());
    double bound = floor.p99Millis() + p99SlackMillis;
    rows.add(
        new Row(
            scenario,
            String.format(
                Locale.ROOT,
                "%s: at most %d load per round; p50 %.1f ms, p99 %.1f ms, max %.1f ms; loader"
                    + " called %.1f ms into the round (median; the floor's: %.2f ms)",
                strata.subject(),
                strata.maxLoadsPerRound(),
                strata.p50Millis(),
                strata.p99Millis(),
                strata.maxMillis(),
                strata.loaderStartMillis(),
                floor.loaderStartMillis()),
            others.toString().trim(),
            String.format(
                Locale.ROOT,
                "%d load, p99 %.1f ms (floor %.1f ms + %.1f)",
                strata.maxLoadsPerRound(),
                strata.p99Millis(),
                floor.p99Millis(),
                strata.p99Millis() - floor.p99Millis()),
            String.format(
                Locale.ROOT, "1 load; p99 ≤ %s's + %.0f ms", floorSubject, p99SlackMillis),
            strata.maxLoadsPerRound() == 1 && strata.p99Millis() <= bound));
  }

  /** Adds the propagation row: Strata's p99 within {@code maxP99Millis} and within the peer's. */
  public void propagation(String strataSubject, String peerSubject, double maxP99Millis) {
    InvalidationPropagation.Result strata = propagationResult(strataSubject);
    InvalidationPropagation.Result peer = propagationResult(peerSubject);
    rows.add(
        new Row(
            String.format(
                Locale.ROOT,
                "Invalidation propagation, A writes, B evicts (%,d writes at %d/s)",
                strata.samples(),
                strata.ratePerSecond()),
            describe(strata),
            describe(peer),
            String.format(Locale.ROOT, "p99 %.2f vs %.2f ms", strata.p99Millis(), peer.p99Millis()),
            String.format(Locale.ROOT, "p99 ≤ %.0f ms and ≤ peer's; none lost", maxP99Millis),
            strata.p99Millis() <= maxP99Millis
                && strata.p99Millis() <= peer.p99Millis()
                && strata.lost() == 0));
  }

  /**
   * Adds the hit-ratio row: met when Strata's hit ratio is at least the baseline's on the same
   * operations and no read of Strata returned an older version than the source's latest.
   */
  public void hitRatio(String strataSubject, String baselineSubject) {
    HitRatio.Result strata = hitRatioResult(strataSubject);
    HitRatio.Result base = hitRatioResult(baselineSubject);
    rows.add(
        new Row(
            String.format(
                Locale.ROOT,
                "Hit ratio, Zipfian keys (s = %.2f over %,d), %d%% writes, two instances, local"
                    + " tiers of %,d (%,d operations after %,d)",
                strata.skew(),
                strata.keys(),
                HitRatio.WRITE_PERCENT,
                strata.localBound(),
                strata.operations(),
                strata.warmupOperations()),
            describe(strata),
            describe(base),
            String.format(
                Locale.ROOT,
                "%s vs %s; stale reads %,d vs %,d",
                percent(strata.hitRatio()),
                percent(base.hitRatio()),
                strata.staleReads(),
                base.staleReads()),
            "≥ baseline's; 0 stale reads",
            strata.hitRatio() >= base.hitRatio() && strata.staleReads() == 0));
  }

  /** Returns the scenario outcomes, one per line. */
  public String scenarioSummary() {
    StringBuilder text = new StringBuilder();
    coalesced.forEach(r -> text.append(r).append('\n'));
    propagation.forEach(r -> text.append(r).append('\n'));
    hitRatios.forEach(r -> text.append(r).append('\n'));
    return text.toString();
  }

  /** Writes everything measured, the rows and the environment as JSON. */
  public void writeJson(Path file) throws IOException {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("environment", environment);
    json.put("rows", rows);
    json.put("jmh", scores.values());
    json.put("coalescedColdKey", coalesced);
    json.put("invalidationPropagation", propagation);
    json.put("hitRatio", hitRatios);
    json.put("serverCost", serverCosts.stream().map(Report::json).toList());
    Files.createDirectories(file.toAbsolutePath().getParent());
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), json);
  }

  /** Returns the markdown: where and how it ran, then the table. */
  public String markdown() {
    StringBuilder md = new StringBuilder();
    md.append("Run on ").append(environment.get("date")).append(": ");
    md.append(environment.get("cpus")).append(" cores (").append(environment.get("cpu")).append("), ");
    md.append(environment.get("jdk")).append(", ").append(environment.get("os")).append(", ");
    md.append(environment.get("redis")).append(" on loopback. Command: `");
    md.append(environment.get("command")).append("`. JMH: ").append(environment.get("jmh"));
    md.append(".\n\n");
    md.append("| Scenario | Strata | Baseline | Result | Target | Met |\n");
    md.append("|---|---|---|---|---|---|\n");
    for (Row row : rows) {
      md.append("| ")
          .append(row.scenario())
          .append(" | ")
          .append(row.strata())
          .append(" | ")
          .append(row.baseline())
          .append(" | ")
          .append(row.result())
          .append(" | ")
          .append(row.target())
          .append(" | ")
          .append(row.met() ? "yes" : "**no**")
          .append(" |\n");
    }
    if (!serverCosts.isEmpty()) {
      md.append('\n').append(serverCostMarkdown());
    }
    return md.toString();
  }

  /**
   * Returns the table of the server's cost per operation of each benchmark method that talks to
   * Redis, Strata's rows first and the raw Lettuce ones beside them.
   */
  String serverCostMarkdown() {
    StringBuilder md = new StringBuilder();
    md.append("Server cost per operation, over the measured iterations of each method run alone:")
        .append(" each command's calls per operation × its µs per call (`INFO commandstats`;")
        .append(" a command a script or `EXEC` runs is counted on its own line and again in the")
        .append(" script's or `EXEC`'s time), and the server's CPU time per operation, which")
        .append(" counts each µs once, reading and answering included.\n\n");
    md.append("| Benchmark | Commands per operation: calls × µs per call | Server CPU µs per operation |\n");
    md.append("|---|---|---|\n");
    for (ServerCost cost : serverCostsInTableOrder()) {
      md.append("| `")
          .append(cost.benchmark())
          .append('`')
          .append(threadsText(cost.threads()))
          .append(" | ")
          .append(cost.commandsText())
          .append(" | ")
          .append(figure(cost.cpuMicrosPerOperation()))
          .append(" |\n");
    }
    return md.toString();
  }

  /**
   * The server costs by benchmark class (first seen first), then threads, then by what each
   * method does (a Strata method and every method ending like it), Strata first, raw Lettuce next.
   */
  private List<ServerCost> serverCostsInTableOrder() {
    List<String> classes = new ArrayList<>();
    List<String> strataMethods = new ArrayList<>();
    for (ServerCost cost : serverCosts) {
      String owner = owner(cost.benchmark());
      if (!classes.contains(owner)) {
        classes.add(owner);
      }
      String method = method(cost.benchmark());
      if (method.startsWith("strata_") && !strataMethods.contains(cost.benchmark())) {
        strataMethods.add(cost.benchmark());
      }
    }
    strataMethods.sort(null);
    Comparator<ServerCost> order =
        Comparator.<ServerCost>comparingInt(c -> classes.indexOf(owner(c.benchmark())))
            .thenComparingInt(ServerCost::threads)
            .thenComparingInt(c -> shape(c.benchmark(), strataMethods))
            .thenComparingInt(c -> rank(method(c.benchmark())))
            .thenComparing(ServerCost::benchmark);
    return serverCosts.stream().sorted(order).toList();
  }

  /** The index of the Strata method of the same class {@code benchmark} ends like, else 0. */
  private static int shape(String benchmark, List<String> strataMethods) {
    int index = 0;
    for (String strata : strataMethods) {
      if (owner(strata).equals(owner(benchmark))) {
        if (method(benchmark).endsWith(method(strata).substring("strata".length()))) {
          return index;
        }
        index++;
      }
    }
    return 0;
  }

  private static int rank(String method) {
    if (method.startsWith("strata_")) {
      return 0;
    }
    return method.startsWith("lettuce_") ? 1 : 2;
  }

  private static String owner(String benchmark) {
    int dot = benchmark.indexOf('.');
    return dot < 0 ? "" : benchmark.substring(0, dot);
  }

  private static String method(String benchmark) {
    return benchmark.substring(benchmark.indexOf('.') + 1);
  }

  private static Map<String, Object> json(ServerCost cost) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("benchmark", cost.benchmark());
    json.put("threads", cost.threads());
    json.put("operations", cost.operations());
    json.put("serverCpuMicros", cost.cpuMicros());
    json.put("serverCpuMicrosPerOperation", cost.cpuMicrosPerOperation());
    json.put("commandMicrosPerOperation", cost.commandMicrosPerOperation());
    List<Map<String, Object>> commands = new ArrayList<>();
    for (ServerCost.Command c : cost.commands()) {
      Map<String, Object> command = new LinkedHashMap<>();
      command.put("command", c.name());
      command.put("calls", c.calls());
      command.put("usec", c.usec());
      command.put("usecPerCall", c.usecPerCall());
      command.put("callsPerOperation", cost.callsPerOperation(c));
      commands.add(command);
    }
    json.put("commands", commands);
    return json;
  }

  /** Replaces what lies between the result markers of {@code readme} with {@link #markdown()}. */
  public void writeInto(Path readme) throws IOException {
    String text = Files.readString(readme, StandardCharsets.UTF_8);
    int begin = text.indexOf(BEGIN);
    int end = text.indexOf(END);
    if (begin < 0 || end < begin) {
      throw new IllegalStateException(readme + " has no " + BEGIN + " … " + END + " section");
    }
    String updated =
        text.substring(0, begin + BEGIN.length()) + "\n" + markdown() + text.substring(end);
    Files.writeString(readme, updated, StandardCharsets.UTF_8);
  }

  private CoalescedColdKey.Result coalescedResult(String subject, String threads) {
    return coalesced.stream()
        .filter(r -> r.subject().equals(subject) && r.threads().equals(threads))
        .findFirst()
        .orElseThrow(
            () -> new IllegalStateException("no cold-key result for " + subject + " on " + threads));
  }

  private InvalidationPropagation.Result propagationResult(String subject) {
    return propagation.stream()
        .filter(r -> r.subject().equals(subject))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no propagation result for " + subject));
  }

  private HitRatio.Result hitRatioResult(String subject) {
    return hitRatios.stream()
        .filter(r -> r.subject().equals(subject))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no hit-ratio result for " + subject));
  }

  private static String describe(HitRatio.Result r) {
    return String.format(
        Locale.ROOT,
        "%s: %s%s, %s source loads per 1,000 reads, %,d stale reads%s",
        r.subject(),
        percent(r.hitRatio()),
        r.redisHits() == 0
            ? ""
            : " (local " + percent(r.localHitRatio()) + ", Redis " + percent(r.redisHitRatio()) + ")",
        figure(r.sourceLoadsPer1000Reads()),
        r.staleReads(),
        r.unsettled() == 0
            ? ""
            : String.format(Locale.ROOT, ", %,d writes not heard by the other instance", r.unsettled()));
  }

  private static String percent(double ratio) {
    return String.format(Locale.ROOT, "%.2f%%", ratio * 100);
  }

  private static String describe(Score score) {
    return String.format(
        Locale.ROOT, "%s: %s ± %s %s", name(score.benchmark()), figure(score.score()),
        figure(score.error()), score.unit());
  }

  private static String describe(InvalidationPropagation.Result r) {
    return String.format(
        Locale.ROOT,
        "%s: p50 %.2f ms, p99 %.2f ms, max %.2f ms, %d lost",
        r.subject(),
        r.p50Millis(),
        r.p99Millis(),
        r.maxMillis(),
        r.lost());
  }

  /** Shows a figure with three significant digits at most. */
  static String figure(double value) {
    if (Double.isNaN(value)) {
      return "?";
    }
    double abs = Math.abs(value);
    if (abs >= 100) {
      return String.format(Locale.ROOT, "%.0f", value);
    }
    if (abs >= 10) {
      return String.format(Locale.ROOT, "%.1f", value);
    }
    return String.format(Locale.ROOT, "%.2f", value);
  }

  private static String name(String benchmark) {
    return "`" + benchmark.substring(benchmark.indexOf('.') + 1) + "`";
  }

  private static String threadsText(int threads) {
    return threads == 1 ? ", 1 thread" : ", " + threads + " threads";
  }

  private static String key(String benchmark, int threads) {
    return benchmark + "@" + threads;
  }
}
