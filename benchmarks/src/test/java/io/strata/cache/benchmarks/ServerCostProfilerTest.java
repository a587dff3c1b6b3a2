package io.strata.cache.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.Result;

class ServerCostProfilerTest {

  @Test
  void results_andBack_keepEveryCommandAndTheCpuTime() {
    ServerCost.Snapshot delta =
        new ServerCost.Snapshot(
            Map.of(
                "evalsha", new ServerCost.Command("evalsha", 1_000, 4_120),
                "config|resetstat", new ServerCost.Command("config|resetstat", 1, 37)),
            0.012);
    Map<String, Result> byLabel = new LinkedHashMap<>();
    ServerCostProfiler.results(delta).forEach(r -> byLabel.put(r.getLabel(), r));

    ServerCost.Snapshot back = ServerCostProfiler.snapshot(byLabel);

    assertThat(back.commands()).isEqualTo(delta.commands());
    assertThat(back.cpuSeconds()).isEqualTo(0.012, within(1e-12));
  }

  @Test
  void snapshot_withoutTheProfilersResults_failsSayingSo() {
    assertThatThrownBy(() -> ServerCostProfiler.snapshot(Map.of()))
        .hasMessageContaining("ServerCostProfiler");
  }

  @Test
  void lessOneCallOf_removesTheProfilersOwnInfo() {
    ServerCost.Snapshot one =
        new ServerCost.Snapshot(Map.of("info", new ServerCost.Command("info", 1, 60)), 0);
    ServerCost.Snapshot three =
        new ServerCost.Snapshot(Map.of("info", new ServerCost.Command("info", 3, 90)), 0);

    assertThat(one.lessOneCallOf("info").commands()).isEmpty();
    assertThat(three.lessOneCallOf("info").commands().get("info"))
        .isEqualTo(new ServerCost.Command("info", 2, 60));
    assertThat(three.lessOneCallOf("ping")).isEqualTo(three);
  }

  @Test
  void read_sendsInfoCommandstatsCpu_andParsesTheBulkReply() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String info = ServerCostTest.INFO;
      CompletableFuture<String> request =
          CompletableFuture.supplyAsync(
              () -> {
                try (Socket client = server.accept()) {
                  InputStream in = client.getInputStream();
                  byte[] expected =
                      "*3\r\n$4\r\nINFO\r\n$12\r\ncommandstats\r\n$3\r\ncpu\r\n"
                          .getBytes(StandardCharsets.US_ASCII);
                  String got = new String(in.readNBytes(expected.length), StandardCharsets.US_ASCII);
                  byte[] body = info.getBytes(StandardCharsets.UTF_8);
                  OutputStream out = client.getOutputStream();
                  out.write(("$" + body.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
                  out.write(body);
                  out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                  out.flush();
                  return got;
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });

      ServerCost.Snapshot snapshot =
          ServerCostProfiler.read("redis://127.0.0.1:" + server.getLocalPort());

      assertThat(request.get()).startsWith("*3\r\n$4\r\nINFO");
      assertThat(snapshot).isEqualTo(ServerCost.Snapshot.parse(info));
      assertThat(snapshot.cpuSeconds()).isEqualTo(3.0, within(1e-9));
    }
  }
}
