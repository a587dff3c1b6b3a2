package io.strata.cache;

/**
 * Hears what a cache and its tiers do, for metrics and tracing. Every method has a no-op default,
 * so an observer overrides only what it records. {@code cache-metrics} binds it to Micrometer.
 *
 * <p>Called from many threads, on the hot path: implementations must be thread-safe, fast and
 * must not block or allocate per call. An observer that throws is fenced off: the cache catches
 * the exception, logs it once and carries on, so an observer never breaks a {@code get}.
 *
 * <p>Tier names, operations and reasons are low-cardinality strings and enums; keys are never
 * passed, so nothing here can blow up a metrics registry.
 */
public interface CacheObserver {

  /** The no-op observer. */
  CacheObserver NONE = new CacheObserver() {};

  /** The tier operations that are timed and can fail. */
  enum Operation {
    /** {@link CacheTier#get}. */
    GET,
    /** {@link CacheTier#getAll}. */
    GET_ALL,
    /** {@link CacheTier#put}. */
    PUT,
    /** {@link CacheTier#putAll}. */
    PUT_ALL,
    /** {@link CacheTier#invalidate}. */
    INVALIDATE,
    /** {@link CacheTier#invalidateAll}. */
    INVALIDATE_ALL,
    /** {@link CacheTier#lease}. */
    LEASE,
    /** {@link CacheTier#release}. */
    RELEASE
  }

  /** A read of {@code tier} found an entry. Not reported for the local tier's hit path timing. */
  default void tierHit(String tier) {}

  /** A read of {@code tier} found nothing. */
  default void tierMiss(String tier) {}

  /** An operation on a tier below the local one took {@code nanos}. */
  default void tierLatency(String tier, Operation operation, long nanos) {}

  /** An operation on {@code tier} failed; the cache carried on without it. */
  default void tierError(String tier, Operation operation, Throwable error) {}

  /** An entry found in a lower tier was copied into {@code tier} above it. */
  default void promotion(String tier) {}

  /** A caller waited for a load another caller had already started, instead of loading. */
  default void coalescedWait() {}

  /** A loader call finished after {@code nanos}; {@code success} is false if it threw. */
  default void load(boolean success, long nanos) {}

  /** A background reload (refresh-ahead or stale-while-revalidate) finished. */
  default void refresh(boolean success) {}

  /**
   * A value past its time to live was served.
   *
   * @param cause {@code "revalidate"} (stale-while-revalidate), {@code "error"} (the loader
   *     failed) or {@code "timeout"} (the soft load timeout passed)
   */
  default void staleServed(String cause) {}

  /**
   * {@code tier} reported {@code keys} keys changed elsewhere; called after their copies in the
   * tiers above were dropped.
   */
  default void invalidationReceived(String tier, int keys) {}

  /** The tiers above {@code tier} were flushed, for {@code reason}. */
  default void flush(String tier, String reason) {}

  /** {@code tier} found bytes it could not decode and treated the entry as a miss. */
  default void decodeError(String tier) {}

  /** {@code tier} declined to store a value larger than its limit. */
  default void valueTooLarge(String tier) {}

  /** {@code tier} dropped a write (unavailable, breaker open). */
  default void writeDropped(String tier) {}

  /**
   * {@code tier} did not take a change ({@code put}, {@code invalidate}, {@code invalidateAll}):
   * it was applied to the tiers above and remembered, to be replayed as an invalidation once the
   * tier recovers. Called once per change, not again when a replay fails.
   */
  default void changeDeferred(String tier) {}

  /**
   * {@code tier} took {@code changes} deferred changes after it recovered (as invalidations; a
   * journal that overflowed is replayed as one invalidation of the whole cache in that tier).
   */
  default void changesReplayed(String tier, int changes) {}

  /**
   * {@code tier} refused to store a loaded value because its key changed after the load began
   * (invalidated, put, or stored by another instance's load): the value is kept in no tier, so a
   * value older than the change is never written back.
   */
  default void fillRefused(String tier) {}

  /** {@code tier}'s health changed to {@code health}. */
  default void healthChanged(String tier, TierHealth health) {}
}
