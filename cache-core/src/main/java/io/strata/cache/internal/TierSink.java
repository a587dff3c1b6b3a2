package io.strata.cache.internal;

import io.strata.cache.CacheObserver;
import io.strata.cache.InvalidationSink;
import io.strata.cache.Ticker;
import io.strata.cache.TierContext;
import java.util.Collection;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one lower tier receives from its cache, and where its events land: invalidations and
 * flushes it reports apply to the tiers above it through the {@link WritePath}; while it cannot
 * hear of changes, the {@link DegradedMode} decides whether the local tier shields the source
 * (keeps serving within the staleness bound, flushed when the tier hears again) or is bypassed
 * (strict); its recovery replays the changes it missed ({@link TierOutage}). Thread-safe.
 */
final class TierSink<K> implements TierContext<K>, InvalidationSink<K> {

  private static final Logger LOG = LoggerFactory.getLogger(TierSink.class);

  private final String cacheName;
  private final int level;
  private final Ticker ticker;
  private final Executor executor;
  private final ObserverChain observers;
  private final LowerTiers<K, ?> lower;
  private final FillGuard<K, ?> guard;
  private final WritePath<K, ?> writes;
  private final DegradedMode mode;
  private final TierOutage<K> outage;
  private final AtomicBoolean suspended = new AtomicBoolean();

  /** Creates the sink of the tier at {@code level} (0 for the one right below the local tier). */
  TierSink(
      String cacheName,
      int level,
      Ticker ticker,
      Executor executor,
      ObserverChain observers,
      LowerTiers<K, ?> lower,
      FillGuard<K, ?> guard,
      WritePath<K, ?> writes,
      DegradedMode mode,
      TierOutage<K> outage) {
    this.cacheName = cacheName;
    this.level = level;
    this.ticker = ticker;
    this.executor = executor;
    this.observers = observers;
    this.lower = lower;
    this.guard = guard;
    this.writes = writes;
    this.mode = mode;
    this.outage = outage;
    outage.onRecovery(
        () -> {
          writes.flushMissed(level);
          observers.flush(tierName(), "recovered");
        });
  }

  @Override
  public String cacheName() {
    return cacheName;
  }

  @Override
  public Ticker ticker() {
    return ticker;
  }

  @Override
  public Executor executor() {
    return executor;
  }

  @Override
  public InvalidationSink<K> invalidations() {
    return this;
  }

  @Override
  public CacheObserver observer() {
    return observers;
  }

  private String tierName() {
    return lower.nameAt(level, "tier" + (level + 1));
  }

  @Override
  public void invalidate(Collection<? extends K> keys) {
    for (K key : keys) {
      writes.forgetAbove(level, key);
    }
    // Observed once applied, so an observer timing propagation sees the copies gone.
    observers.invalidationReceived(tierName(), keys.size());
  }

  @Override
  public void suspend(String reason) {
    if (mode.strict()) {
      if (suspended.compareAndSet(false, true)) {
        guard.suspend();
        LOG.debug(
            "Cache '{}': the local tier stays empty until '{}' hears changes again ({})",
            cacheName,
            tierName(),
            reason);
      }
      // Nothing is known to have changed: loads under way may still be joined.
      flush(reason);
      return;
    }
    if (suspended.compareAndSet(false, true)) {
      outage.suspended(true);
      LOG.debug(
          "Cache '{}': the local tier keeps serving within its staleness bound until '{}' hears"
              + " changes again ({})",
          cacheName,
          tierName(),
          reason);
      if (mode.flushesOnOutage()) {
        flush(reason); // what it holds may outlive the bound
      }
    }
  }

  @Override
  public void resume() {
    if (!suspended.compareAndSet(true, false)) {
      return;
    }
    if (mode.strict()) {
      guard.resume();
    } else {
      // What the local tier kept may have missed an invalidation; loads under way read before.
      writes.flushMissed(level);
      observers.flush(tierName(), "resume");
      outage.suspended(false);
    }
    LOG.debug("Cache '{}': the local tier fills again ('{}' hears changes)", cacheName, tierName());
    // Hearing again means the tier answers: replay what it missed, if anything.
    outage.recovered();
  }

  @Override
  public void recovered() {
    outage.recovered();
  }

  private void flush(String reason) {
    writes.flushAbove(level, false);
    observers.flush(tierName(), reason);
  }

  @Override
  public void invalidateAll(String reason) {
    writes.flushAbove(level, true);
    observers.flush(tierName(), reason);
    LOG.info("Cache '{}': flushed the tiers above '{}' ({})", cacheName, tierName(), reason);
  }
}
