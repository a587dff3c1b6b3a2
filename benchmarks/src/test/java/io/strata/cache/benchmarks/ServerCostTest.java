package io.strata.cache.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServerCostTest {

  /** As redis-server 7.0 answers {@code INFO commandstats cpu}, CRLF and all. */
  static final String INFO =
      String.join(
          "\r\n",
          "# Commandstats",
          "cmdstat_evalsha:calls=1000,usec=4120,usec_per_call=4.12,rejected_calls=0,failed_calls=0",
          "cmdstat_hgetall:calls=1000,usec=500,usec_per_call=0.50,rejected_calls=0,failed_calls=0",
          "cmdstat_pttl:calls=1000,usec=200,usec_per_call=0.20,rejected_calls=0,failed_calls=0",
          "cmdstat_config|resetstat:calls=1,usec=37,usec_per_call=37.00,rejected_calls=0,failed_calls=0",
          "",
          "# CPU",
          "used_cpu_sys:1.500000",
          "used_cpu_user:2.250000",
          "used_cpu_sys_children:0.000000",
          "used_cpu_user_children:0.000000",
          "used_cpu_sys_main_thread:1.000000",
          "used_cpu_user_main_thread:2.000000",
          "");

  @Test
  void parseCommandStats_readsCallsAndUsecOfEveryCommand_subcommandsIncluded() {
    Map<String, ServerCost.Command> commands = ServerCost.parseCommandStats(INFO);

    assertThat(commands.keySet()).containsExactly("evalsha", "hgetall", "pttl", "config|resetstat");
    assertThat(commands.get("evalsha")).isEqualTo(new ServerCost.Command("evalsha", 1000, 4120));
    assertThat(commands.get("evalsha").usecPerCall()).isEqualTo(4.12, within(1e-9));
  }

  @Test
  void parseCommandStats_emptySection_isEmpty() {
    assertThat(ServerCost.parseCommandStats("# Commandstats\r\n")).isEmpty();
  }

  @Test
  void parseCommandStats_lineWithoutCalls_failsQuotingIt() {
    assertThatThrownBy(() -> ServerCost.parseCommandStats("cmdstat_get:usec_per_call=1.0"))
        .hasMessageContaining("cmdstat_get:usec_per_call=1.0");
  }

  @Test
  void parseCpuSeconds_prefersTheMainThread_elseTheProcess() {
    assertThat(ServerCost.parseCpuSeconds(INFO)).isEqualTo(3.0, within(1e-9));
    assertThat(ServerCost.parseCpuSeconds("used_cpu_sys:1.5\nused_cpu_user:2.25\n"))
        .isEqualTo(3.75, within(1e-9));
  }

  @Test
  void minus_isTheDeltaOfEachCommand_andDropsCommandsNotCalledInBetween() {
    ServerCost.Snapshot before = ServerCost.Snapshot.parse(INFO);
    ServerCost.Snapshot after =
        ServerCost.Snapshot.parse(
            INFO.replace("evalsha:calls=1000,usec=4120", "evalsha:calls=3000,usec=12120")
                .replace("used_cpu_user_main_thread:2.000000", "used_cpu_user_main_thread:2.010000")
                + "cmdstat_ping:calls=4,usec=2,usec_per_call=0.50\r\n");

    ServerCost.Snapshot delta = after.minus(before);

    assertThat(delta.commands().keySet()).containsExactlyInAnyOrder("evalsha", "ping");
    assertThat(delta.commands().get("evalsha")).isEqualTo(new ServerCost.Command("evalsha", 2000, 8000));
    assertThat(delta.cpuSeconds()).isEqualTo(0.01, within(1e-9));
  }

  @Test
  void minus_afterResetstat_takesTheWholeCounter() {
    ServerCost.Snapshot before = ServerCost.Snapshot.parse(INFO);
    ServerCost.Snapshot after =
        ServerCost.Snapshot.parse("cmdstat_evalsha:calls=10,usec=40,usec_per_call=4.00\r\n");

    assertThat(after.minus(before).commands().get("evalsha"))
        .isEqualTo(new ServerCost.Command("evalsha", 10, 40));
  }

  @Test
  void plus_addsTheWindowsOfTwoForks() {
    ServerCost.Snapshot one = new ServerCost.Snapshot(Map.of("get", new ServerCost.Command("get", 2, 3)), 0.5);
    ServerCost.Snapshot two = new ServerCost.Snapshot(Map.of("get", new ServerCost.Command("get", 5, 7)), 0.25);

    ServerCost.Snapshot sum = ServerCost.none().plus(one).plus(two);

    assertThat(sum.commands().get("get")).isEqualTo(new ServerCost.Command("get", 7, 10));
    assertThat(sum.cpuSeconds()).isEqualTo(0.75, within(1e-9));
  }

  @Test
  void of_perOperationFigures_andCommandsMostTimeFirst() {
    ServerCost cost =
        ServerCost.of(
            "RemoteHitBenchmark.strata_get",
            1,
            1000,
            new ServerCost.Snapshot(ServerCost.parseCommandStats(INFO), 0.012));

    assertThat(cost.commands())
        .extracting(ServerCost.Command::name)
        .containsExactly("evalsha", "hgetall", "pttl", "config|resetstat");
    assertThat(cost.cpuMicrosPerOperation()).isEqualTo(12.0, within(1e-9));
    assertThat(cost.commandMicrosPerOperation()).isEqualTo(4.857, within(1e-9));
    // config|resetstat: 0.001 calls per op and 0.8% of the time, folded into "other".
    assertThat(cost.commandsText())
        .isEqualTo("EVALSHA 1.00 × 4.12 µs; HGETALL 1.00 × 0.50 µs; PTTL 1.00 × 0.20 µs; other: 1 calls");
  }

  @Test
  void commandsText_withoutCommands_saysNone() {
    assertThat(new ServerCost("A.b", 1, 10, 5, List.of()).commandsText()).isEqualTo("none");
  }
}
