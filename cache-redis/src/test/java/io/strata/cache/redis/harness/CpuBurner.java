package io.strata.cache.redis.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Busy-loop processes that keep the CPU saturated while a test runs, to reproduce timing that only
 * shows on a loaded host. Each is {@code timeout <bound> sh -c 'while :; do :; done'}, so it ends
 * by itself even if the test JVM dies; {@link #close()} stops them (and their shell) by pid.
 */
public final class CpuBurner implements AutoCloseable {

  private final List<Process> processes = new ArrayList<>();

  private CpuBurner() {}

  /** Starts {@code count} busy loops, each ending by itself after {@code bound}. */
  public static CpuBurner start(int count, Duration bound) {
    CpuBurner burner = new CpuBurner();
    try {
      for (int i = 0; i < count; i++) {
        burner.processes.add(
            new ProcessBuilder(
                    "timeout",
                    Long.toString(Math.max(1, bound.toSeconds())),
                    "sh",
                    "-c",
                    "while :; do :; done")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start());
      }
    } catch (IOException e) {
      burner.close();
      throw new UncheckedIOException("cannot start a busy loop", e);
    }
    return burner;
  }

  /** Returns whether every busy loop still runs. */
  public boolean allAlive() {
    return processes.stream().allMatch(Process::isAlive);
  }

  /** Stops the shells, then their {@code timeout} parents, by pid; waits for them to end. */
  @Override
  public void close() {
    for (Process process : processes) {
      process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
    for (Process process : processes) {
      try {
        process.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
