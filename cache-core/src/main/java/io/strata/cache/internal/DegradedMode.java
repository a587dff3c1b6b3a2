package io.strata.cache.internal;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * How the local tier behaves while a lower tier cannot be trusted (it cannot hear of changes, or
 * it fails): shielding (the default) keeps serving and filling the local tier, each entry capped at
 * the staleness bound; strict flushes and bypasses it. Counts the lower tiers that are degraded
 * now; the local tier reads {@link #localCapNanos()} when it stores an entry, never on a hit.
 * Thread-safe and lock-free.
 */
final class DegradedMode {

  private final boolean strict;
  private final long boundNanos;
  private final long localTtlNanos;
  private final AtomicInteger degradedTiers = new AtomicInteger();

  /**
   * @param strict whether the local tier is bypassed rather than shielding the source
   * @param bound the staleness bound, or null for none beyond each entry's own lifetime
   * @param localTtl the local tier's cap in normal operation, or null for none
   */
  DegradedMode(boolean strict, @Nullable Duration bound, @Nullable Duration localTtl) {
    this.strict = strict;
    this.boundNanos = bound == null ? Long.MAX_VALUE : Durations.nanos(bound);
    this.localTtlNanos = localTtl == null ? Long.MAX_VALUE : Durations.nanos(localTtl);
  }

  /** Returns whether the local tier is bypassed (not shielding) while a tier cannot hear. */
  boolean strict() {
    return strict;
  }

  /**
   * Returns whether what the local tier holds when an outage begins may be older than the bound
   * allows, so it must go: the bound is shorter than the local tier's own cap.
   */
  boolean flushesOnOutage() {
    return boundNanos < localTtlNanos;
  }

  /** Returns the longest the local tier may keep an entry stored now. */
  long localCapNanos() {
    return degradedTiers.get() > 0 ? boundNanos : Long.MAX_VALUE;
  }

  /** Returns whether any lower tier is degraded now. */
  boolean active() {
    return degradedTiers.get() > 0;
  }

  void enter() {
    degradedTiers.incrementAndGet();
  }

  void leave() {
    degradedTiers.decrementAndGet();
  }
}
