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

  /**
   * Flushes the tiers above the reporting tier, like {@link #invalidateAll}, and keeps the local
   * tier from filling until {@link #resume()}: reads meanwhile are answered from the reporting
   * tier, the tiers below it or the loader, but not kept in memory. A tier calls it while it cannot
   * hear of changes made elsewhere (its invalidation channel is down or silent). Calling it again
   * while suspended only flushes again.
   *
   * @param reason a low-cardinality word for metrics and logs ("disconnect", "heartbeat")
   */
  void suspend(String reason);

  /**
   * Lets the local tier fill again after {@link #suspend}. Loads that started before the call still
   * do not fill it: they may have read a value whose invalidation was missed. A no-op when not
   * suspended.
   */
  void resume();
}
