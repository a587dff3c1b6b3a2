package io.strata.cache.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.cache.benchmarks.scenarios.CoalescedColdKey;
import io.strata.cache.benchmarks.scenarios.InvalidationPropagation;
import java.nio.file.Files;
import java.nio.file.Path;
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

    assertThat(report.rows()).extracting(Report.Row::result).containsExactly("1.20×", "1.20×");
    assertThat(report.rows()).extracting(Report.Row::met).containsExactly(true, false);
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
  void coalescing_needsOneLoadAndTheP99WithinTheLoaderPlusSlack() {
    report.add(new CoalescedColdKey.Result("strata", "platform", 1000, 10, 1, 20.5, 24.9, 26));
    report.add(new CoalescedColdKey.Result("naive", "platform", 1000, 10, 870, 21, 23, 24));
    report.add(new CoalescedColdKey.Result("naive", "virtual", 1000, 10, 990, 21, 23, 24));
    report.coalescing("strata", "platform", 20, 5);
    report.add(new CoalescedColdKey.Result("slow", "platform", 1000, 10, 1, 20.5, 25.1, 26));
    report.coalescing("slow", "platform", 20, 5);

    assertThat(report.rows()).extracting(Report.Row::met).containsExactly(true, false);
    assertThat(report.rows().get(0).baseline()).contains("naive: 870 loads").doesNotContain("990");
  }

  @Test
  void propagation_needsBothTheBoundAndThePeer() {
    report.add(new InvalidationPropagation.Result("strata", 100, 500, 0.3, 1.9, 3, 0));
    report.add(new InvalidationPropagation.Result("peer", 100, 500, 0.3, 1.5, 3, 0));
    report.propagation("strata", "peer", 2);

    assertThat(report.rows().get(0).met()).isFalse();
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
}
