package io.strata.cache.internal;

import io.strata.cache.Scheduler;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
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
 * stops counting as failing only once the journal is empty.
 *
 * <p>A journal waiting for recovery is also retried on the cache's scheduler ({@link
 * #FIRST_RETRY}, doubling to {@link #MAX_RETRY}): a tier may fail one write and never say it
 * recovered (its breaker never opened), and an instance with no more traffic for the cache would
 * otherwise leave the old value in the tier, for every other instance to read, until it expired.
 * Thread-safe.
 */
final class TierOutage<K> {

  private static final Logger LOG = LoggerFactory.getLogger(TierOutage.class);
  private static final int SUSPENDED = 1;
  private static final int FAILING = 2;

  /** How long after a change the tier did not take the journal is first replayed without traffic. */
  static final Duration FIRST_RETRY = Duration.ofSeconds(1);

  /** The longest wait between two such replays while the tier keeps failing. */
  static final Duration MAX_RETRY = Duration.ofSeconds(30);

  /**
   * What a replay calls: the tier's own invalidations, journaling nothing; the replay takes back
   * what they fail, so that a change counts as deferred once, however many replays fail it.
   */
  interface Replay<K> {
    boolean replayInvalidate(K key);

    boolean replayInvalidateAll();

    /** Whether the tier reports itself down: it says when it is back, so no retry calls it. */
    default boolean isDown() {
      return false;
    }
  }

  private final String cacheName;
  private final DegradedMode mode;
  private final Executor executor;
  private final Scheduler scheduler;
  private final ObserverChain observers;
  private final OutageJournal<K> journal;
  private final AtomicInteger flags = new AtomicInteger();
  private final AtomicBoolean replaying = new AtomicBoolean();
  private final AtomicBoolean keptAbove = new AtomicBoolean();
  private final AtomicBoolean retryPending = new AtomicBoolean();
  private volatile long nextRetryNanos = FIRST_RETRY.toNanos();
  private volatile @Nullable Future<?> retry;
  private volatile boolean closed;
  private volatile Runnable flushAbove = () -> {};
  private volatile String tierName = "";
  // Set before the tier can fail: nothing is journaled, so nothing replayed, before attach.
  private volatile @Nullable Replay<K> replay;

  TierOutage(
      String cacheName,
      DegradedMode mode,
      Executor executor,
      Scheduler scheduler,
      ObserverChain observers,
      int journalCapacity) {
    this.cacheName = cacheName;
    this.mode = mode;
    this.executor = executor;
    this.scheduler = scheduler;
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
    retryLater();
  }

  /** The tier did not take a flush: recovery must flush it. */
  void deferredFlush() {
    journal.overflow();
    set(FAILING);
    observers.changeDeferred(tierName);
    retryLater();
  }

  /**
   * Stops the retries: the cache is closed, its tiers with it. (A retry scheduled while this runs
   * may still replay once, into the closed tier; none follows it.)
   */
  void close() {
    closed = true;
    Future<?> pending = retry;
    if (pending != null) {
      pending.cancel(false);
    }
  }

  /** Schedules one replay attempt, unless one is pending; each wait doubles up to the maximum. */
  private void retryLater() {
    if (closed || !retryPending.compareAndSet(false, true)) {
      return;
    }
    long delay = nextRetryNanos;
    try {
      retry = scheduler.schedule(Duration.ofNanos(delay), this::retry);
      nextRetryNanos = Math.min(delay * 2, MAX_RETRY.toNanos());
    } catch (RejectedExecutionException e) {
      retryPending.set(false);
    }
  }

  private void retry() {
    retryPending.set(false);
    Replay<K> tier = replay;
    if (tier != null && tier.isDown()) {
      // Its own recovery replays: a call now would only take the probe slot of its breaker, and
      // on a full Redis a deletion passes where its reads do not, closing the breaker for nothing.
      retryLater();
      return;
    }
    recovered();
  }

  /** The journal is empty: the next deferral is retried after the first wait, not the last. */
  private void restartBackoff() {
    nextRetryNanos = FIRST_RETRY.toNanos();
    Future<?> pending = retry;
    if (pending != null && pending.cancel(false)) {
      retryPending.set(false);
    }
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
      retryLater();
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
        if (tier.replayInvalidateAll()) {
          replayed++;
          LOG.info(
              "Cache '{}': tier '{}' missed more changes than its journal holds; emptied it of"
                  + " this cache's entries on recovery",
              cacheName,
              tierName);
        } else {
          journal.overflow();
          complete = false;
        }
      }
      if (complete) {
        for (K key : journal.keys()) {
          // Removed first: a change that fails again meanwhile adds the key back.
          journal.remove(key);
          if (!tier.replayInvalidate(key)) {
            journal.add(key);
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
        restartBackoff();
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
    if (!complete) {
      // Usually already scheduled by the failed call's deferral; not if a retry fired meanwhile
      // and found this replay running.
      retryLater();
    } else if (!journal.isEmpty()) {
      // The tier works, but a change was deferred after this replay's last look at the journal.
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
