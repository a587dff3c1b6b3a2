package io.strata.cache;

import java.util.concurrent.Executor;

/**
 * What a cache gives each of its tiers when it creates them. Thread-safe.
 *
 * @param <K> the type of key
 */
public interface TierContext<K> {

  /** Returns the name of the cache the tier belongs to. */
  String cacheName();

  /** Returns the cache's clock: the tier must read time only through it. */
  Ticker ticker();

  /** Returns the executor for the tier's background work. */
  Executor executor();

  /** Returns where the tier reports changes it learns were made elsewhere. */
  InvalidationSink<K> invalidations();

  /** Returns where the tier reports what it does (errors, dropped writes); never throws. */
  CacheObserver observer();
}
