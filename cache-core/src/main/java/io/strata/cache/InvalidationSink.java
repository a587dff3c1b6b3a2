package io.strata.cache;

import java.util.Collection;

/**
 * Receives invalidations a tier learns about (a key changed by another instance, a flushed
 * database, a lost connection after which nothing can be trusted) and applies them to every tier
 * above the reporting one. Thread-safe; calls are cheap and never block on I/O.
 *
 * @param <K> the type of key
 */
public interface InvalidationSink<K> {

  /** Evicts {@code keys} from the tiers above the reporting tier. */
  void invalidate(Collection<? extends K> keys);

  /**
   * Evicts everything from the tiers above the reporting tier, and prevents loads already under
   * way from filling them with what they read before.
   *
   * @param reason a low-cardinality word for metrics and logs ("disconnect", "flushall")
   */
  void invalidateAll(String reason);
}
