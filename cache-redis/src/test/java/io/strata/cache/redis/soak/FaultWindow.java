package io.strata.cache.redis.soak;

/**
 * A fault the soak injected, from just before it began ({@code start}) to when every instance was
 * healthy again plus a grace ({@code end}); reads that begin inside it are judged by the degraded
 * bound. Times are {@link System#nanoTime()}.
 */
public record FaultWindow(String name, long start, long recovered, long end) {

  /** Returns whether {@code [from, to)} overlaps this window. */
  public boolean overlaps(long from, long to) {
    return from - end < 0 && start - to < 0;
  }

  /** Describes the window in seconds since {@code origin}. */
  public String describe(long origin) {
    return String.format(
        "%s %s..%s s (all instances UP at %s s)",
        name,
        Soak.seconds(start, origin),
        Soak.seconds(end, origin),
        Soak.seconds(recovered, origin));
  }
}
