package io.strata.cache.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.cache.benchmarks.scenarios.CoalescedColdKey;
import io.strata.cache.benchmarks.scenarios.HitRatio;
import io.strata.cache.benchmarks.scenarios.InvalidationPropagation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.assertj.core.data.Offset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {

  private final Report report = new Report(Map.of("date", "2026-11-22T00:00:00Z"));

  @Test
  void ratio_isStrataOverBaseline_andMetOnlyWithinTarget() {
    report.add(new Report.Score("A.strata", 1, 60, 1, "ns/op", null));
    report.add(new Report.Score("A.base", 1, 50, 1, "ns/op", null));
    report.ratio("hit", 1, "A.strata", "A.base", 1.3);
    report.ratio("hit", 1, "A.strata", "A.base", 1.1);

    assertThat(report.rows())
        .extracting(Report.Row::result)
        .containsExactly("1.20× (1.16–1.24×)", "1.20× (1.16–1.24×)");
    assertThat(report.rows()).extracting(Report.Row::met).containsExactly(true, false);
  }

  @Test
  void ratio_ofRounds_cancelsWhatBothSidesOfARoundShare() {
    // The host's speed doubles and halves from round to round; Strata is 1.10x in every round.
    report.add(Report.Score.ofRounds("A.strata", 1, "us/op", List.of(110.0, 220.0, 165.0, 330.0)));
    report.add(Report.Score.ofRounds("A.base", 1, "us/op", List.of(100.0, 200.0, 150.0, 300.0)));
    report.ratio("remote", 1, "A.strata", "A.base", 1.15);

    assertThat(report.rows()).extracting(Report.Row::result).containsExactly("1.10× (1.10–1.10×)");
    assertThat(report.rows()).extracting(Report.Row::met).containsExactly(true);
  }

  @Test
  void ratio_ofRounds_isTheGeometricMean_withStudentsIntervalAt99Percent() {
    // Per-round ratios 1.0, 1.2, 1.0, 1.2: logs 0 and 0.1823 twice, mean 0.0912, standard error
    // 0.0526, t(0.995, 3) = 5.841: exp(0.0912 -+ 0.3074) = 0.806 and 1.490.
    report.add(Report.Score.ofRounds("A.strata", 1, "us/op", List.of(100.0, 120.0, 100.0, 120.0)));
    report.add(Report.Score.ofRounds("A.base", 1, "us/op", List.of(100.0, 100.0, 100.0, 100.0)));
    report.ratio("remote", 1, "A.strata", "A.base", 1.45);
    report.ratio("remote", 1, "A.strata", "A.base", 1.50);

    assertThat(report.rows())
        .extracting(Report.Row::result)
        .containsExactly("1.10× (0.81–1.49×)", "1.10× (0.81–1.49×)");
    assertThat(report.rows()).extracting(Report.Row::met).containsExactly(false, true);
  }

  @Test
  void ratio_ofScoresWithoutTheSameRounds_fallsBackToTheWorstEnds() {
    // Strata's rounds: 61, 60, 59 (mean 60; error t(0.995, 2) x 1 / sqrt(3) = 5.73).
    report.add(Report.Score.ofRounds("A.strata", 1, "us/op", List.of(61.0, 60.0, 59.0)));
    report.add(new Report.Score("A.base", 1, 50, 5, "us/op", null));
    report.add(Report.Score.ofRounds("A.other", 1, "us/op", List.of(50.0, 50.0, 50.0, 50.0)));
    // As many rounds, but another class's: another run, so not paired either.
    report.add(Report.Score.ofRounds("B.base", 1, "us/op", List.of(62.0, 50.0, 38.0)));
    report.ratio("remote", 1, "A.strata", "A.base", 1.5);
    report.ratio("remote", 1, "A.strata", "A.other", 1.3);
    report.ratio("remote", 1, "A.strata", "B.base", 100);

    assertThat(report.rows())
        .extracting(Report.Row::result)
        .containsExactly("1.20× (0.99–1.46×)", "1.20× (1.09–1.31×)", "1.20× (0.46–∞)");
    assertThat(report.rows()).extracting(Report.Row::met).containsExactly(true, false, false);
  }

  @Test
  void scoreOfRounds_isTheirMean_withA99PercentError() {
    // Mean 110, standard error 10 / sqrt(3), and over 3 rounds t(0.995, 2) = 9.925.
    Report.Score score = Report.Score.ofRounds("A.strata", 1, "us/op", List.of(100.0, 110.0, 120.0));

    assertThat(score.score()).isEqualTo(110.0);
    assertThat(score.error()).isCloseTo(9.925 * 10 / Math.sqrt(3), Offset.offset(0.01));
    assertThat(score.rounds()).containsExactly(100.0, 110.0, 120.0);
    assertThatThrownBy(() -> Report.Score.ofRounds("A.strata", 1, "us/op", List.of(1.0, 2.0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 3 rounds");
  }

  @Test
  void ratio_isMetOnlyWhenTheWholeIntervalIsWithinTarget() {
    // 1.20× at the point, but Strata's slowest over the baseline's fastest is 66 / 45 = 1.47×.
    report.add(new Report.Score("A.strata", 1, 60, 6, "us/op", null));
    report.add(new Report.Score("A.base", 1, 50, 5, "us/op", null));
    report.add(new Report.Score("B.base", 1, 50, 60, "us/op", null));
    report.ratio("remote", 1, "A.strata", "A.base", 1.3);
    report.ratio("remote", 1, "A.strata", "A.base", 1.5);
    report.ratio("remote", 1, "A.strata", "B.base", 100);

    assertThat(report.rows())
        .extracting(Report.Row::result)
        .containsExactly("1.20× (0.98–1.47×)", "1.20× (0.98–1.47×)", "1.20× (0.49–∞)");
    assertThat(report.rows()).extracting(Report.Row::met).containsExactly(false, true, false);
  }

  @Test
  void allocation_isTheDifferenceInBytesPerOperation() {
    report.add(new Report.Score("A.strata", 2, 60, 1, "ns/op", 24.4));
    report.add(new Report.Score("A.base", 2, 50, 1, "ns/op", 0.4));
    report.allocation("alloc", 2, "A.strata", "A.base", 1.0);

    assertThat(report.rows().get(0).result()).isEqualTo("+24.00 B/op");
    assertThat(report.rows().get(0).met()).isFalse();
  }

  @Test
  void coalescing_needsOneLoadAndTheP99WithinTheFloorsPlusSlack() {
    report.add(new CoalescedColdKey.Result("floor", "platform", 1000, 10, 1, 20.2, 21.9, 23, 0.03));
    report.add(new CoalescedColdKey.Result("strata", "platform", 1000, 10, 1, 20.5, 24.5, 26, 1.5));
    report.add(new CoalescedColdKey.Result("naive", "platform", 1000, 10, 870, 21, 23, 24, 0.01));
    report.add(new CoalescedColdKey.Result("naive", "virtual", 1000, 10, 990, 21, 23, 24, 0.01));
    report.coalescing("strata", "floor", "platform", 20, 3);
    report.add(new CoalescedColdKey.Result("slow", "platform", 1000, 10, 1, 20.5, 25.0, 26, 4));
    report.coalescing("slow", "floor", "platform", 20, 3);
    report.add(new CoalescedColdKey.Result("twice", "platform", 1000, 10, 2, 20.5, 22, 26, 1));
    report.coalescing("twice", "floor", "platform", 20, 3);

    assertThat(report.rows()).extracting(Report.Row::met).containsExactly(true, false, false);
    Report.Row row = report.rows().get(0);
    assertThat(row.baseline()).contains("naive: 870 loads").doesNotContain("990");
    assertThat(row.result()).isEqualTo("1 load, p99 24.5 ms (floor 21.9 ms + 2.6)");
    assertThat(row.strata()).contains("loader called 1.5 ms into the round").contains("0.03 ms");
  }

  @Test
  void propagation_needsBothTheBoundAndThePeer() {
    report.add(new InvalidationPropagation.Result("strata", 100, 500, 0.3, 1.9, 3, 0));
    report.add(new InvalidationPropagation.Result("peer", 100, 500, 0.3, 1.5, 3, 0));
    report.propagation("strata", "peer", 2);

    assertThat(report.rows().get(0).met()).isFalse();
  }

  @Test
  void hitRatio_needsAtLeastTheBaselinesRatio_andNoStaleRead() {
    report.add(hitRatio("strata", 900, 700, 150, 50, 0));
    report.add(hitRatio("caffeine", 900, 800, 0, 100, 30));
    report.add(hitRatio("stale strata", 900, 700, 150, 50, 1));
    report.add(hitRatio("worse strata", 900, 600, 150, 150, 0));
    report.hitRatio("strata", "caffeine");
    report.hitRatio("stale strata", "caffeine");
    report.hitRatio("worse strata", "caffeine");

    assertThat(report.rows()).extracting(Report.Row::met).containsExactly(true, false, false);
    Report.Row row = report.rows().get(0);
    assertThat(row.scenario())
        .isEqualTo(
            "Hit ratio, Zipfian keys (s = 0.99 over 100,000), 10% writes, two instances, local"
                + " tiers of 10,000 (1,000 operations after 500)");
    assertThat(row.strata())
        .isEqualTo(
            "strata: 94.44% (local 77.78%, Redis 16.67%), 55.6 source loads per 1,000 reads, 0"
                + " stale reads");
    assertThat(row.baseline())
        .isEqualTo("caffeine: 88.89%, 111 source loads per 1,000 reads, 30 stale reads");
    assertThat(row.result()).isEqualTo("94.44% vs 88.89%; stale reads 0 vs 30");
  }

  @Test
  void hitRatio_missingSubject_failsNamingIt() {
    assertThatThrownBy(() -> report.hitRatio("strata", "caffeine"))
        .hasMessageContaining("no hit-ratio result for strata");
  }

  private static HitRatio.Result hitRatio(
      String subject, long reads, long localHits, long redisHits, long misses, long stale) {
    return new HitRatio.Result(
        subject, 100_000, 0.99, 10_000, 500, 1_000, reads, 1_000 - reads, localHits, redisHits,
        misses, misses, stale, 0, (reads - misses) / (double) reads, localHits / (double) reads,
        redisHits / (double) reads, misses * 1000.0 / reads);
  }

  @Test
  void missingScore_failsNamingIt() {
    assertThatThrownBy(() -> report.ratio("x", 16, "A.strata", "A.base", 1))
        .hasMessageContaining("A.strata at 16 threads");
  }

  @Test
  void writeInto_replacesOnlyWhatLiesBetweenTheMarkers(@TempDir Path dir) throws Exception {
    Path readme = dir.resolve("README.md");
    Files.writeString(
        readme, "# Title\n\n" + Report.BEGIN + "\nold table\n" + Report.END + "\n\n## After\n");
    report.add(new Report.Score("A.strata", 1, 60, 1, "ns/op", null));
    report.add(new Report.Score("A.base", 1, 50, 1, "ns/op", null));
    report.ratio("hit", 1, "A.strata", "A.base", 1.3);

    report.writeInto(readme);
    report.writeInto(readme);

    String text = Files.readString(readme);
    assertThat(text).startsWith("# Title\n\n" + Report.BEGIN + "\n").endsWith(Report.END + "\n\n## After\n");
    assertThat(text).doesNotContain("old table").contains("| hit, 1 thread | `strata`: 60.0 ± 1.00 ns/op");
    assertThat(text.split("\\| hit, 1 thread", -1)).hasSize(2);
  }

  @Test
  void serverCost_tableFollowsTheResults_strataBesideRawLettuce_perThreadCount() {
    report.add(new Report.Score("A.strata", 1, 60, 1, "ns/op", null));
    report.add(new Report.Score("A.base", 1, 50, 1, "ns/op", null));
    report.ratio("hit", 1, "A.strata", "A.base", 1.3);
    report.add(cost("RemoteHitBenchmark.redisson_get", 1, 1000, 9000, "evalsha", 1000, 9000));
    report.add(cost("RemoteHitBenchmark.lettuce_hgetallPttl", 1, 1000, 6000, "hgetall", 1000, 500));
    report.add(cost("RemoteHitBenchmark.strata_get", 16, 2000, 20000, "evalsha", 2000, 8000));
    report.add(cost("RemoteHitBenchmark.strata_get", 1, 1000, 10000, "evalsha", 1000, 4120));
    report.add(cost("PutBenchmark.lettuce_pipeline_putAll64", 1, 10, 3000, "hset", 640, 640));
    report.add(cost("PutBenchmark.strata_putAll64", 1, 10, 4000, "evalsha", 640, 2880));
    report.add(cost("PutBenchmark.lettuce_pipeline_put", 1, 100, 500, "hset", 100, 100));
    report.add(cost("PutBenchmark.strata_put", 1, 100, 900, "evalsha", 100, 450));

    String md = report.markdown();

    assertThat(md.indexOf("| hit, 1 thread")).isLessThan(md.indexOf("Server cost per operation"));
    assertThat(md)
        .contains(
            "| Benchmark | Commands per operation: calls × µs per call | Server CPU µs per operation |\n"
                + "|---|---|---|\n"
                + "| `RemoteHitBenchmark.strata_get`, 1 thread | EVALSHA 1.00 × 4.12 µs | 10.0 |\n"
                + "| `RemoteHitBenchmark.lettuce_hgetallPttl`, 1 thread | HGETALL 1.00 × 0.50 µs | 6.00 |\n"
                + "| `RemoteHitBenchmark.redisson_get`, 1 thread | EVALSHA 1.00 × 9.00 µs | 9.00 |\n"
                + "| `RemoteHitBenchmark.strata_get`, 16 threads | EVALSHA 1.00 × 4.00 µs | 10.0 |\n"
                + "| `PutBenchmark.strata_put`, 1 thread | EVALSHA 1.00 × 4.50 µs | 9.00 |\n"
                + "| `PutBenchmark.lettuce_pipeline_put`, 1 thread | HSET 1.00 × 1.00 µs | 5.00 |\n"
                + "| `PutBenchmark.strata_putAll64`, 1 thread | EVALSHA 64.00 × 4.50 µs | 400 |\n"
                + "| `PutBenchmark.lettuce_pipeline_putAll64`, 1 thread | HSET 64.00 × 1.00 µs | 300 |\n");
  }

  @Test
  void serverCost_noneMeasured_noTable() {
    report.add(new Report.Score("A.strata", 1, 60, 1, "ns/op", null));
    report.add(new Report.Score("A.base", 1, 50, 1, "ns/op", null));
    report.ratio("hit", 1, "A.strata", "A.base", 1.3);

    assertThat(report.markdown()).doesNotContain("Server cost");
  }

  @Test
  void serverCost_inTheJson_perCommandAndPerOperation(@TempDir Path dir) throws Exception {
    report.add(cost("RemoteHitBenchmark.strata_get", 1, 1000, 10000, "evalsha", 1000, 4120));
    Path json = dir.resolve("r.json");

    report.writeJson(json);

    JsonNode cost = new ObjectMapper().readTree(json.toFile()).get("serverCost").get(0);
    assertThat(cost.get("benchmark").asText()).isEqualTo("RemoteHitBenchmark.strata_get");
    assertThat(cost.get("operations").asLong()).isEqualTo(1000);
    assertThat(cost.get("serverCpuMicrosPerOperation").asDouble()).isCloseTo(10.0, within(1e-6));
    JsonNode evalsha = cost.get("commands").get(0);
    assertThat(evalsha.get("command").asText()).isEqualTo("evalsha");
    assertThat(evalsha.get("calls").asLong()).isEqualTo(1000);
    assertThat(evalsha.get("usecPerCall").asDouble()).isEqualTo(4.12);
    assertThat(evalsha.get("callsPerOperation").asDouble()).isEqualTo(1.0);
  }

  @Test
  void writeInto_putsTheServerCostTableBetweenTheMarkers(@TempDir Path dir) throws Exception {
    Path readme = dir.resolve("README.md");
    Files.writeString(readme, Report.BEGIN + "\nold\n" + Report.END + "\n");
    report.add(cost("RemoteHitBenchmark.strata_get", 1, 1000, 10000, "evalsha", 1000, 4120));

    report.writeInto(readme);

    String text = Files.readString(readme);
    assertThat(text.indexOf("| `RemoteHitBenchmark.strata_get`, 1 thread |"))
        .isGreaterThan(text.indexOf(Report.BEGIN))
        .isLessThan(text.indexOf(Report.END));
  }

  @Test
  void benchmarkMethods_areTheAnnotatedMethods_sorted() {
    assertThat(BenchmarkSuite.benchmarkMethods(RemoteHitBenchmark.class))
        .containsExactly(
            "jetcache_get",
            "lettuce_hgetall",
            "lettuce_hgetallPttl",
            "lettuce_multiExec_read",
            "redisson_get",
            "strata_get");
  }

  private static ServerCost cost(
      String benchmark, int threads, long ops, double cpuMicros, String command, long calls, long usec) {
    return ServerCost.of(
        benchmark,
        threads,
        ops,
        new ServerCost.Snapshot(
            Map.of(command, new ServerCost.Command(command, calls, usec)), cpuMicros / 1e6));
  }
}
