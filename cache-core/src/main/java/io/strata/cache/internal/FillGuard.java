package io.strata.cache.internal;

import io.strata.cache.CacheEntry;
import io.strata.cache.Loaded;
import io.strata.cache.internal.InvalidationStamps.Ticket;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The only code that fills a tier with what a read found or loaded, and the keeper of the rule
 * that makes it safe: a read takes a {@link Ticket} before it reads anything, and what it read
 * may fill a tier only if no invalidation of its key, flush, suspension or close happened since.
 * The local fill is checked atomically with the local tier's own invalidation of the key, so an
 * invalidation either comes before the fill (nothing is stored) or removes what was stored.
 *
 * <p>Every change of a key ({@link #invalidated}) and every flush ({@link #flushed}) goes through
 * here too, so that readings and bumps stay one protocol. Thread-safe.
 */
final class FillGuard<K, V> {

  private final InvalidationStamps stamps = new InvalidationStamps();
  private final LocalTier<K, V> local;
  private final LowerTiers<K, V> lower;
  private final LocalAdmission<K> admission;
  private final ObserverChain observers;
  private final DegradedMode mode;

  FillGuard(
      LocalTier<K, V> local,
      LowerTiers<K, V> lower,
      LocalAdmission<K> admission,
      ObserverChain observers,
      DegradedMode mode) {
    this.local = local;
    this.lower = lower;
    this.admission = admission;
    this.observers = observers;
    this.mode = mode;
  }

  /** Returns what a read of {@code key} must present to fill; take it before reading. */
  Ticket ticket(K key) {
    return stamps.ticket(key);
  }

  /**
   * Copies {@code entry}, found at {@code level}, into every tier above it, lowest first, unless
   * the key changed since {@code ticket}.
   */
  void promote(K key, CacheEntry<V> entry, int level, Ticket ticket) {
    if (!stamps.unchanged(key, ticket)) {
      return;
    }
    for (int above = level - 1; above >= 0; above--) {
      GuardedTier<K, V> tier = lower.at(above);
      if (tier.put(key, entry)) {
        observers.promotion(tier.name());
      }
    }
    if (admission.admits(key) && local.putIf(key, entry, () -> stamps.mayFillLocal(key, ticket))) {
      observers.promotion(LocalTier.NAME);
    }
  }

  /**
   * Stores loaded entries where their storage allows, unless their key changed since its ticket
   * (a change this instance made or heard of) or since the lease its load took in a shared tier (a
   * change made anywhere): the shared tiers first (one batch per tier), then the local tier. An
   * entry a shared tier refuses is kept nowhere. When a shared tier fails to take them, a strict
   * cache keeps none locally (the value would be this instance's alone, and no invalidation would
   * ever tell it that others read something else); a shielding cache keeps them, capped at the
   * degraded staleness bound (the failure made the tier degraded), so the source is not asked
   * again on every read.
   */
  void storeLoaded(Map<K, Fill<V>> fills, long now, LoadLeases<K, V> leases) {
    Map<K, CacheEntry<V>> shared = new LinkedHashMap<>();
    Map<K, Fill<V>> keepLocal = new LinkedHashMap<>();
    fills.forEach(
        (key, fill) -> {
          if (fill.storage() == Loaded.Storage.NOWHERE
              || fill.entry().retainUntil() - now <= 0
              || !stamps.unchanged(key, fill.ticket())) {
            return;
          }
          if (fill.storage() == Loaded.Storage.EVERYWHERE) {
            shared.put(key, fill.entry());
          }
          keepLocal.put(key, fill);
        });
    LowerTiers.Stored<K> stored = lower.putLeased(shared, leases);
    keepLocal.keySet().removeAll(stored.refused());
    if (!stored.allTaken() && mode.strict()) {
      keepLocal.keySet().removeAll(shared.keySet());
    }
    keepLocal.forEach(
        (key, fill) -> {
          if (admission.admits(key)) {
            local.putIf(key, fill.entry(), () -> stamps.mayFillLocal(key, fill.ticket()));
          }
        });
  }

  /**
   * Fills the local tier with what a {@code put} just wrote below, unless the key changed while
   * it was written (another instance wrote after this one), and fences off every read that began
   * before: they may have read the value this put replaced.
   */
  void storeWritten(K key, CacheEntry<V> entry, Ticket ticket) {
    local.putIf(
        key,
        entry,
        () -> {
          boolean unchanged = stamps.mayFillLocal(key, ticket);
          stamps.bump(key);
          return unchanged;
        });
  }

  /**
   * Records a change of {@code key}: no read that began before may fill. Called before the lower
   * tiers change (so loads under way stop writing them) and again after (so reads that began
   * meanwhile, and may have read the old value, stop too).
   */
  void invalidated(K key) {
    stamps.bump(key);
  }

  /** Records a flush of every key; see {@link #invalidated}. */
  void flushed() {
    stamps.bumpEpoch();
  }

  /**
   * Keeps the local tier from filling until {@link #resume}; counts nested suspensions. The
   * caller then flushes, which also stops the loads under way.
   */
  void suspend() {
    stamps.suspend();
  }

  void resume() {
    stamps.resume();
  }

  /**
   * Keeps reads that began before from filling the local tier (they may have read a value whose
   * invalidation was missed), while they may still write the tiers below.
   */
  void fenceLocal() {
    stamps.fenceLocal();
  }

  /** Keeps the local tier from ever filling again: loads still in flight find it closed. */
  void close() {
    stamps.suspend();
  }

  /** A loaded entry on its way into the tiers, with where it may go and what its read saw. */
  record Fill<V>(CacheEntry<V> entry, Loaded.Storage storage, Ticket ticket) {}
}
