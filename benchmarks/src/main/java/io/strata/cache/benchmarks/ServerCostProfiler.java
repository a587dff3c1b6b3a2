package io.strata.cache.benchmarks;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.ScalarResult;
import org.openjdk.jmh.runner.IterationType;

/**
 * A JMH profiler that reads the counters of the suite's Redis ({@code INFO commandstats cpu}, on a
 * socket of its own) in the benchmark's JVM right before and right after each measured iteration,
 * and reports the difference as secondary results of that iteration: what the server did for the
 * measured iterations exactly, without the trial setup (filling Redis) or the warm-up. JMH calls
 * it from one thread, between iterations, while no benchmark thread runs.
 */
public final class ServerCostProfiler implements InternalProfiler {

  static final String CPU = "redis.cpu.us";
  static final String CALLS = "redis.calls:";
  static final String USEC = "redis.usec:";

  private ServerCost.Snapshot before;

  @Override
  public String getDescription() {
    return "Redis server cost of the measured iterations (INFO commandstats, INFO cpu)";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    if (iterationParams.getType() == IterationType.MEASUREMENT) {
      before = read(Bench.redisUri());
    }
  }

  @Override
  public Collection<? extends Result> afterIteration(
      BenchmarkParams benchmarkParams, IterationParams iterationParams, IterationResult result) {
    if (iterationParams.getType() != IterationType.MEASUREMENT || before == null) {
      return List.of();
    }
    // Less the INFO that took the first snapshot, which the server counted after answering it.
    ServerCost.Snapshot delta = read(Bench.redisUri()).minus(before).lessOneCallOf("info");
    before = null;
    return results(delta);
  }

  /** The snapshot as results summed over iterations: CPU µs, and calls and µs of each command. */
  static List<Result<?>> results(ServerCost.Snapshot delta) {
    List<Result<?>> results = new ArrayList<>();
    results.add(new ScalarResult(CPU, delta.cpuSeconds() * 1e6, "us", AggregationPolicy.SUM));
    for (ServerCost.Command c : delta.commands().values()) {
      results.add(new ScalarResult(CALLS + c.name(), c.calls(), "calls", AggregationPolicy.SUM));
      results.add(new ScalarResult(USEC + c.name(), c.usec(), "us", AggregationPolicy.SUM));
    }
    return results;
  }

  /** The inverse of {@link #results}. */
  static ServerCost.Snapshot snapshot(Map<String, Result> results) {
    Result<?> cpu = results.get(CPU);
    if (cpu == null) {
      throw new IllegalStateException(
          "no " + CPU + " result: was " + ServerCostProfiler.class.getSimpleName() + " added?");
    }
    Map<String, ServerCost.Command> commands = new LinkedHashMap<>();
    results.forEach(
        (label, r) -> {
          if (label.startsWith(CALLS)) {
            String name = label.substring(CALLS.length());
            Result<?> usec = results.get(USEC + name);
            commands.put(
                name,
                new ServerCost.Command(
                    name, Math.round(r.getScore()), usec == null ? 0 : Math.round(usec.getScore())));
          }
        });
    return new ServerCost.Snapshot(commands, cpu.getScore() / 1e6);
  }

  /** Sends {@code INFO commandstats cpu} to {@code redisUri} on a socket of its own. */
  static ServerCost.Snapshot read(String redisUri) {
    URI uri = URI.create(redisUri);
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5_000);
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          "*3\r\n$4\r\nINFO\r\n$12\r\ncommandstats\r\n$3\r\ncpu\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return ServerCost.Snapshot.parse(bulkString(new BufferedInputStream(socket.getInputStream())));
    } catch (IOException e) {
      throw new UncheckedIOException("INFO commandstats cpu to " + redisUri + " failed", e);
    }
  }

  private static String bulkString(InputStream in) throws IOException {
    String header = line(in);
    if (!header.startsWith("$")) {
      throw new IOException("INFO answered " + header);
    }
    byte[] body = in.readNBytes(Integer.parseInt(header.substring(1)));
    return new String(body, StandardCharsets.UTF_8);
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("connection closed");
      }
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.UTF_8);
  }
}
