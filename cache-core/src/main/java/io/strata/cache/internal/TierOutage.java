package io.strata.cache.internal;

import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outage state of one lower tier: whether it cannot hear of changes (suspended) or fails
 * (failing), and the journal of changes it did not take. While either holds, the tier counts as
 * degraded for the {@link DegradedMode}. Recovery (a successful call, or the tier saying so)
 * replays the journal as invalidations on the cache's executor, one replay at a time; the tier
 * stops counting as failing only once the journal is empty. Thread-safe.
 */
final class TierOutage<K> {

  private static final Logger LOG = LoggerFactory.getLogger(TierOutage.class);
  private static final int SUSPENDED = 1;
  private static final int FAILING = 2;

  /** What a replay calls: the tier's own invalidations, which journal again what they fail. */
  interface Replay<K> {
    boolean invalidate(K key);

    boolean invalidateAll();
  }

  private final String cacheName;
  private final DegradedMode mode;
  private final Executor executor;
  private final ObserverChain observers;
  private final OutageJournal<K> journal;
  private final AtomicInteger flags = new AtomicInteger();
  private final AtomicBoolean replaying = new AtomicBoolean();
  private final AtomicBoolean keptAbove = new AtomicBoolean();
  private volatile Runnable flushAbove = () -> {};
  private volatile String tierName = "";
  // Set before the tier can fail: nothing is journaled, so nothing replayed, before attach.
  private volatile @Nullable Replay<K> replay;

  TierOutage(
      String cacheName,
      DegradedMode mode,
      Executor executor,
      ObserverChain observers,
      int journalCapacity) {
    this.cacheName = cacheName;
    this.mode = mode;
    this.executor = executor;
    this.observers = observers;
    this.journal = new OutageJournal<>(journalCapacity);
  }

  /** Connects the tier once it exists: the replays go through its fence. */
  void attach(String name, Replay<K> tierReplay) {
    this.tierName = name;
    this.replay = tierReplay;
  }

  // ---------------------------------------------------------------- what the tier reports

  /** The tier cannot hear of changes ({@code true}) or hears again. */
  void suspended(boolean suspended) {
    if (suspended) {
      set(SUSPENDED);
    } else {
      clear(SUSPENDED);
    }
  }

  /** A call to the tier failed. */
  void failed() {
    set(FAILING);
  }

  /**
   * A write the tier did not take: a shielding cache keeps the value above it (within the bound),
   * where it is this instance's alone, so the tiers above are flushed once the tier recovers.
   */
  void notTaken() {
    if (!mode.strict()) {
      keptAbove.set(true);
    }
  }

  /** Sets what empties the tiers above this one, for {@link #notTaken} values on recovery. */
  void onRecovery(Runnable flushTiersAbove) {
    this.flushAbove = flushTiersAbove;
  }

  /** The tier did not take the change of {@code key}: remember it for the replay. */
  void deferred(K key) {
    journal.add(key);
    set(FAILING);
    observers.changeDeferred(tierName);
  }

  /** The tier did not take a flush: recovery must flush it. */
  void deferredFlush() {
    journal.overflow();
    set(FAILING);
    observers.changeDeferred(tierName);
  }

  /**
   * The tier serves again (a call succeeded, or the tier said so): replay what it missed, in the
   * background. Cheap when it was not failing.
   */
  void recovered() {
    if ((flags.get() & FAILING) != 0 || !journal.isEmpty()) {
      startReplay();
    }
  }

  private void startReplay() {
    if (!replaying.compareAndSet(false, true)) {
      return;
    }
    try {
      executor.execute(this::replay);
    } catch (RejectedExecutionException e) {
      replaying.set(false);
    }
  }

  /** Returns whether any key is waiting to be replayed. */
  boolean holdsAny() {
    return !journal.isEmpty();
  }

  /** Returns whether the tier must not be read for {@code key}: it missed the key's latest change. */
  boolean holds(K key) {
    return journal.holds(key);
  }

  // ---------------------------------------------------------------- replay

  private void replay() {
    Replay<K> tier = Objects.requireNonNull(replay, "attach first");
    boolean complete = true;
    try {
      int replayed = 0;
      if (journal.takeOverflow()) {
        if (tier.invalidateAll()) {
          replayed++;
          LOG.info(
              "Cache '{}': tier '{}' missed more changes than its journal holds; emptied it of"
                  + " this cache's entries on recovery",
              cacheName,
              tierName);
        } else {
          complete = false;
        }
      }
      if (complete) {
        for (K key : journal.keys()) {
          // Removed first: a change that fails again meanwhile adds the key back.
          journal.remove(key);
          if (!tier.invalidate(key)) {
            complete = false;
            break;
          }
          replayed++;
        }
      }
      if (replayed > 0) {
        observers.changesReplayed(tierName, replayed);
      }
      if (complete && journal.isEmpty()) {
        if (keptAbove.getAndSet(false)) {
          // Values Redis never took would outlive the outage there, unseen by the others, and a
          // later invalidation of an absent key would not reach them.
          flushAbove.run();
        }
        clear(FAILING);
      }
    } finally {
      replaying.set(false);
    }
    // The tier works, but a change was deferred after this replay's last look at the journal.
    if (complete && !journal.isEmpty()) {
      startReplay();
    }
  }

  // ---------------------------------------------------------------- flags

  private void set(int flag) {
    int before = flags.getAndUpdate(f -> f | flag);
    if (before == 0) {
      mode.enter();
    }
  }

  private void clear(int flag) {
    int before = flags.getAndUpdate(f -> f & ~flag);
    if (before == flag) {
      mode.leave();
    }
  }
}
