package io.strata.cache.redis.harness;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/** A redis-server process this harness started: its config, directory, logs and pid. */
final class LocalProcess {

  /** Processes still alive; a JVM shutdown hook kills them if a test run dies mid-way. */
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  for (Process p : LIVE) {
                    p.destroyForcibly();
                  }
                },
                "strata-redis-harness-reaper"));
  }

  final Path dir;
  final Path config;
  final Path logFile;
  final Path stdoutFile;
  private final List<String> extraArgs;
  private volatile @Nullable Process process;
  private volatile boolean paused;

  LocalProcess(Path dir, Path config, Path logFile, List<String> extraArgs) {
    this.dir = dir;
    this.config = config;
    this.logFile = logFile;
    this.stdoutFile = dir.resolve("stdout.log");
    this.extraArgs = List.copyOf(extraArgs);
  }

  /** The redis-server executable on PATH, if any. */
  static Optional<Path> findRedisServer() {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String entry : path.split(File.pathSeparator)) {
      if (entry.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(entry, "redis-server");
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** Starts the process (not waiting for readiness). */
  synchronized void launch() {
    Process current = process;
    if (current != null && current.isAlive()) {
      throw new IllegalStateException("redis-server already running, pid " + current.pid());
    }
    Path exe =
        findRedisServer()
            .orElseThrow(() -> new IllegalStateException("redis-server is no longer on PATH"));
    List<String> cmd = new ArrayList<>();
    cmd.add(exe.toString());
    cmd.add(config.toString());
    cmd.addAll(extraArgs);
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(stdoutFile.toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    try {
      Process started = pb.start();
      LIVE.add(started);
      process = started;
      paused = false;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + cmd, e);
    }
  }

  long pid() {
    Process p = process;
    if (p == null) {
      throw new IllegalStateException("redis-server was never started");
    }
    return p.pid();
  }

  boolean isAlive() {
    Process p = process;
    return p != null && p.isAlive();
  }

  boolean isPaused() {
    return paused;
  }

  void pause() {
    signal("STOP");
    paused = true;
  }

  void resume() {
    signal("CONT");
    paused = false;
  }

  private void signal(String name) {
    long pid = pid();
    if (!isAlive()) {
      throw new IllegalStateException("redis-server pid " + pid + " is not running");
    }
    try {
      Process kill =
          new ProcessBuilder("kill", "-" + name, Long.toString(pid))
              .redirectErrorStream(true)
              .start();
      if (!kill.waitFor(10, TimeUnit.SECONDS)) {
        kill.destroyForcibly();
        throw new IllegalStateException("kill -" + name + " " + pid + " did not finish");
      }
      if (kill.exitValue() != 0) {
        String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        throw new IllegalStateException("kill -" + name + " " + pid + " failed: " + out.trim());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Waits for the process to exit by itself; true if it did. */
  boolean awaitExit(long millis) {
    Process p = process;
    if (p == null) {
      return true;
    }
    try {
      boolean exited = p.waitFor(millis, TimeUnit.MILLISECONDS);
      if (exited) {
        LIVE.remove(p);
      }
      return exited;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Stops the process: SIGCONT if paused, SIGTERM, then SIGKILL after 5 s. */
  synchronized void stop() {
    Process p = process;
    if (p == null || !p.isAlive()) {
      if (p != null) {
        LIVE.remove(p);
      }
      return;
    }
    if (paused) {
      try {
        resume();
      } catch (RuntimeException ignored) {
        // SIGKILL below works on a stopped process as well
      }
    }
    p.destroy();
    if (!awaitExit(5_000)) {
      p.destroyForcibly();
      if (!awaitExit(5_000)) {
        throw new IllegalStateException("redis-server pid " + p.pid() + " survived SIGKILL");
      }
    }
    LIVE.remove(p);
  }

  /** The last lines of the server log and of its stdout/stderr, for failure messages. */
  String logTail(int lines) {
    StringBuilder sb = new StringBuilder();
    for (Path f : List.of(stdoutFile, logFile)) {
      if (!Files.exists(f)) {
        continue;
      }
      try {
        List<String> all = Files.readAllLines(f, StandardCharsets.UTF_8);
        if (all.isEmpty()) {
          continue;
        }
        sb.append("\n--- tail of ").append(f).append(" ---\n");
        for (String line : all.subList(Math.max(0, all.size() - lines), all.size())) {
          sb.append(line).append('\n');
        }
      } catch (IOException | UncheckedIOException e) {
        sb.append("\n(could not read ").append(f).append(": ").append(e).append(")\n");
      }
    }
    return sb.length() == 0 ? "\n(no server output)" : sb.toString();
  }

  static void deleteRecursively(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete " + root, e);
    }
  }
}
