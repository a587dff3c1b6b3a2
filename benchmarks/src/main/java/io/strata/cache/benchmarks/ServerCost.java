package io.strata.cache.benchmarks;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one benchmark method cost the Redis server over its measured iterations: the calls and
 * microseconds of each command ({@code INFO commandstats}), the server's CPU time ({@code INFO cpu})
 * and the number of operations JMH ran in that window.
 *
 * <p>Redis counts a command that a script or {@code EXEC} runs both on its own line and inside the
 * time of the script or {@code EXEC}, so the command lines of such a path do not add up to its
 * cost; {@link #cpuMicrosPerOperation()} does not double count.
 *
 * @param benchmark simple class name and method, e.g. {@code RemoteHitBenchmark.strata_get}
 * @param threads JMH threads
 * @param operations every invocation of the method in the measured iterations, all threads
 * @param cpuMicros the server's CPU time (user + system, main thread) over the same window
 * @param commands the commands the server ran in that window, most time first
 */
public record ServerCost(
    String benchmark, int threads, long operations, double cpuMicros, List<Command> commands) {

  /** Commands below both shares are folded into "other" in the markdown table. */
  static final double SHOWN_CALLS_PER_OPERATION = 0.01;

  static final double SHOWN_SHARE_OF_TIME = 0.01;

  public ServerCost {
    commands = List.copyOf(commands);
  }

  /** One line of {@code INFO commandstats}: a command (lower case, {@code config|resetstat}). */
  public record Command(String name, long calls, long usec) {

    /** Microseconds per call, as {@code usec_per_call}; 0 when there was no call. */
    public double usecPerCall() {
      return calls == 0 ? 0 : (double) usec / calls;
    }

    Command minus(Command earlier) {
      return new Command(name, calls - earlier.calls, usec - earlier.usec);
    }
  }

  /** The server's counters at one instant. */
  public record Snapshot(Map<String, Command> commands, double cpuSeconds) {

    public Snapshot {
      commands = Map.copyOf(commands);
    }

    /** Parses the text of {@code INFO commandstats cpu} (either section may be absent). */
    public static Snapshot parse(String info) {
      return new Snapshot(parseCommandStats(info), parseCpuSeconds(info));
    }

    /** Returns what happened between {@code earlier} and this snapshot. */
    public Snapshot minus(Snapshot earlier) {
      Map<String, Command> delta = new LinkedHashMap<>();
      for (Command now : commands.values()) {
        Command before = earlier.commands.get(now.name());
        // CONFIG RESETSTAT in between: the counter restarted, all of it is new.
        Command d = before == null || before.calls() > now.calls() ? now : now.minus(before);
        if (d.calls() > 0) {
          delta.put(d.name(), d);
        }
      }
      return new Snapshot(delta, cpuSeconds - earlier.cpuSeconds);
    }

    /** Returns this snapshot less one call of {@code command} (and its mean time), if it has one. */
    public Snapshot lessOneCallOf(String command) {
      Command c = commands.get(command);
      if (c == null) {
        return this;
      }
      Map<String, Command> less = new LinkedHashMap<>(commands);
      if (c.calls() <= 1) {
        less.remove(command);
      } else {
        less.put(command, new Command(command, c.calls() - 1, c.usec() - c.usec() / c.calls()));
      }
      return new Snapshot(less, cpuSeconds);
    }

    /** Adds the counts of {@code other} (another fork's window) to these. */
    public Snapshot plus(Snapshot other) {
      Map<String, Command> sum = new LinkedHashMap<>(commands);
      other.commands.forEach(
          (name, c) ->
              sum.merge(name, c, (a, b) -> new Command(name, a.calls() + b.calls(), a.usec() + b.usec())));
      return new Snapshot(sum, cpuSeconds + other.cpuSeconds);
    }
  }

  /** An empty snapshot, to add windows to. */
  public static Snapshot none() {
    return new Snapshot(Map.of(), 0);
  }

  /** Returns the cost of {@code operations} operations that took {@code window} of the server. */
  public static ServerCost of(String benchmark, int threads, long operations, Snapshot window) {
    List<Command> commands = new ArrayList<>(window.commands().values());
    commands.sort(Comparator.comparingLong(Command::usec).reversed().thenComparing(Command::name));
    return new ServerCost(benchmark, threads, operations, window.cpuSeconds() * 1e6, commands);
  }

  /**
   * Parses the lines {@code cmdstat_<name>:calls=<n>,usec=<n>,usec_per_call=<x>,...} of {@code
   * INFO commandstats}; other lines are skipped.
   */
  public static Map<String, Command> parseCommandStats(String info) {
    Map<String, Command> commands = new LinkedHashMap<>();
    for (String line : info.split("\r?\n")) {
      if (!line.startsWith("cmdstat_")) {
        continue;
      }
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String name = line.substring("cmdstat_".length(), colon);
      Map<String, String> fields = new LinkedHashMap<>();
      for (String field : line.substring(colon + 1).split(",")) {
        int eq = field.indexOf('=');
        if (eq > 0) {
          fields.put(field.substring(0, eq), field.substring(eq + 1).trim());
        }
      }
      String calls = fields.get("calls");
      String usec = fields.get("usec");
      if (calls == null || usec == null) {
        throw new IllegalArgumentException("no calls or usec in the commandstats line: " + line);
      }
      commands.put(name, new Command(name, Long.parseLong(calls), Long.parseLong(usec)));
    }
    return commands;
  }

  /**
   * Parses the CPU seconds of {@code INFO cpu}: the main thread's user + system time where Redis
   * reports it (7.0 and later; the thread that runs every command), else the process's.
   */
  public static double parseCpuSeconds(String info) {
    Map<String, Double> cpu = new LinkedHashMap<>();
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("used_cpu_")) {
        int colon = line.indexOf(':');
        cpu.put(line.substring(0, colon), Double.parseDouble(line.substring(colon + 1).trim()));
      }
    }
    if (cpu.containsKey("used_cpu_user_main_thread")) {
      return cpu.get("used_cpu_user_main_thread") + cpu.getOrDefault("used_cpu_sys_main_thread", 0.0);
    }
    return cpu.getOrDefault("used_cpu_user", 0.0) + cpu.getOrDefault("used_cpu_sys", 0.0);
  }

  /** The server's CPU microseconds per operation; NaN without operations. */
  public double cpuMicrosPerOperation() {
    return operations == 0 ? Double.NaN : cpuMicros / operations;
  }

  /**
   * The microseconds per operation of every command line added up: the server's time in commands
   * when none ran inside a script or {@code EXEC}, more than that otherwise (see the class doc).
   */
  public double commandMicrosPerOperation() {
    return operations == 0
        ? Double.NaN
        : commands.stream().mapToLong(Command::usec).sum() / (double) operations;
  }

  /** Calls of {@code command} per operation. */
  public double callsPerOperation(Command command) {
    return operations == 0 ? Double.NaN : (double) command.calls() / operations;
  }

  /**
   * Renders the commands as {@code EVALSHA 1.00 × 4.12 µs; PING …}: calls per operation times
   * microseconds per call, most time first; commands under 1% of the calls per operation and of
   * the time are folded into one "other" count.
   */
  public String commandsText() {
    long totalUsec = Math.max(1, commands.stream().mapToLong(Command::usec).sum());
    StringBuilder text = new StringBuilder();
    long otherCalls = 0;
    for (Command c : commands) {
      double perOp = callsPerOperation(c);
      if (perOp < SHOWN_CALLS_PER_OPERATION && (double) c.usec() / totalUsec < SHOWN_SHARE_OF_TIME) {
        otherCalls += c.calls();
        continue;
      }
      if (text.length() > 0) {
        text.append("; ");
      }
      text.append(c.name().toUpperCase(Locale.ROOT))
          .append(' ')
          .append(String.format(Locale.ROOT, "%.2f", perOp))
          .append(" × ")
          .append(Report.figure(c.usecPerCall()))
          .append(" µs");
    }
    if (otherCalls > 0) {
      text.append(text.length() > 0 ? "; " : "")
          .append(String.format(Locale.ROOT, "other: %,d calls", otherCalls));
    }
    return text.length() == 0 ? "none" : text.toString();
  }
}
