package io.strata.cache;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One level of a {@link MultiLevelCache}: the unit of pluggability. The local tier (Caffeine) and
 * the Redis tier are implementations; a user adds another (a disk, a database table) by
 * implementing this interface and a {@link TierFactory}, without touching the core. The tier
 * compatibility kit ({@code io.strata.cache.testkit.CacheTierCompatibilityKit} in the
 * {@code io.strata:cache-testkit} artifact) checks an implementation against this contract.
 *
 * <p><b>Contract.</b> Implementations are called from many threads at once and must be
 * thread-safe. A tier stores {@link CacheEntry entries}, never plain values, and must not return
 * an entry past its {@link CacheEntry#retainUntil()} (it may drop one earlier: a cache is allowed to
 * forget). Methods should not block longer than the tier's own timeout. A tier may throw from any
 * method: the cache then treats a read as a miss and a write as not taken, counts the error and
 * logs it once per change of state; it never passes the exception to its caller. Returning
 * normally means the tier took the call (a tier may still decline to store an entry, as {@link
 * #put} says). A change the tier did not take ({@code put}, {@code invalidate}, {@code
 * invalidateAll} that threw) is applied to the tiers above at once, remembered in a bounded
 * journal and replayed as an invalidation when the tier recovers (its first successful call, or
 * {@link InvalidationSink#recovered()}); until then the tier is not read for that key. Better tiers
 * handle their own failures (a breaker), throw {@link TierUnavailableException} while they
 * cannot serve, and report their state through {@link #health()}.
 *
 * <p><b>Events.</b> A tier that learns of changes made elsewhere (another instance wrote to a
 * shared Redis) reports them to {@link TierContext#invalidations()}; the cache then evicts the keys
 * from the tiers above it.
 *
 * @param <K> the type of key
 * @param <V> the type of value
 */
public interface CacheTier<K, V> extends AutoCloseable {

  /**
   * Returns this tier's short, stable name ("local", "redis"): what {@link Lookup#tier()} reports
   * and what metrics are tagged with.
   */
  String name();

  /** Returns the entry for {@code key}, or null if this tier has none that is still retained. */
  @Nullable CacheEntry<V> get(K key);

  /**
   * Returns the entries this tier has for {@code keys}; absent keys are left out. Tiers with a
   * round trip per call should override it to fetch in one batch.
   */
  default Map<K, CacheEntry<V>> getAll(Collection<? extends K> keys) {
    Map<K, CacheEntry<V>> found = new HashMap<>(keys.size() * 2);
    for (K key : keys) {
      CacheEntry<V> entry = get(key);
      if (entry != null) {
        found.put(key, entry);
      }
    }
    return found;
  }

  /**
   * Stores {@code entry} for {@code key}, replacing any previous one, to be retained no longer than
   * {@link CacheEntry#retainUntil()}. A tier may decline to store it (too large, not admitted).
   */
  void put(K key, CacheEntry<V> entry);

  /** Stores every entry of {@code entries}; tiers with a round trip per call should batch it. */
  default void putAll(Map<? extends K, CacheEntry<V>> entries) {
    entries.forEach(this::put);
  }

  /**
   * Takes this tier's leases on {@code keys}, which a load is about to fetch from the source (the
   * tier lacked them, or held them expired), or a refresh to renew; see {@link TierLease}. A tier
   * shared by several instances takes them with at most one command for all the keys. For a load
   * ({@code refresh} false), a key that holds a fresh entry by now (stored since the load's read,
   * by another instance's load or a put) is answered {@link TierLease#found} instead, and the tier
   * may wait, a bounded time its configuration sets, for a key another instance is loading. A
   * refresh leases whatever the tier holds and never waits. Keys left out have no lease: their
   * values are stored as {@link #putLeased} says. The default takes none, for tiers that only this
   * instance writes.
   */
  default Map<K, TierLease<V>> lease(Collection<? extends K> keys, boolean refresh) {
    return Map.of();
  }

  /**
   * Stores loaded entries, each only if the lease its load took ({@link #lease}) still holds: not
   * if its key changed since, on any instance (invalidated, put, or stored by another load under
   * the same lease). A stored entry ends its lease. Entries without a lease in {@code leases} are
   * stored as {@link #putAll} stores them. Returns the keys refused; the cache then keeps their
   * values in no tier. The default stores everything with {@link #putAll}.
   */
  default Set<K> putLeased(
      Map<? extends K, CacheEntry<V>> entries, Map<? extends K, TierLease<V>> leases) {
    putAll(entries);
    return Set.of();
  }

  /**
   * Gives back the {@link TierLease#isHeld held} leases of loads that store nothing here (they
   * failed, found nothing to keep, or keep their value only locally), so that no other instance
   * waits on them; other leases are ignored. The default does nothing.
   */
  default void release(Map<? extends K, TierLease<V>> leases) {}

  /** Removes {@code key} from this tier, if present. */
  void invalidate(K key);

  /** Removes every entry this tier holds for its cache. */
  void invalidateAll();

  /** Returns this tier's current health; {@link TierHealth#up()} unless the tier says otherwise. */
  default TierHealth health() {
    return TierHealth.up();
  }

  /** Returns an estimate of the number of entries, or -1 if the tier cannot tell cheaply. */
  default long estimatedSize() {
    return -1;
  }

  /** Releases what the tier holds open. Called once, by the cache's {@code close()}. */
  @Override
  default void close() {}
}
