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
   * Says the tier cannot hear of changes made elsewhere now (its invalidation channel is down or
   * silent), until {@link #resume()}. By default the local tier keeps serving what it holds and
   * keeps filling, each entry kept no longer than the cache's staleness bound ({@code
   * MultiLevelCacheBuilder.degradedLocalTtl}; what it holds is flushed first if that bound is
   * shorter than the local TTL). In strict mode ({@code MultiLevelCacheBuilder.strictCoherence()})
   * the tiers above are flushed, like {@link #invalidateAll}, and the local tier is kept from
   * filling: reads are answered from the reporting tier, the tiers below it or the loader, but not
   * kept in memory. Calling it again while suspended flushes again in strict mode.
   *
   * @param reason a low-cardinality word for metrics and logs ("disconnect", "heartbeat")
   */
  void suspend(String reason);

  /**
   * Ends a {@link #suspend}: the tier hears changes again. Nothing read before the call fills the
   * local tier afterwards (it may have been read before an invalidation that was missed), and
   * what the local tier kept meanwhile is flushed. A no-op when not suspended.
   */
  void resume();

  /**
   * Says the tier serves again after failing (its outage ended: a probe succeeded). The cache then
   * replays, as invalidations, the changes the tier did not take while it failed, and lifts the
   * staleness bound of degraded mode once they are taken. Tiers that do not call it recover on
   * their first successful call; calling it when nothing failed is a cheap no-op. Never blocks:
   * the replay runs on the cache's executor.
   */
  void recovered();
}
