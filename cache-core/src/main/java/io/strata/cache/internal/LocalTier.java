package io.strata.cache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.strata.cache.CacheEntry;
import io.strata.cache.CacheObserver;
import io.strata.cache.CacheTier;
import io.strata.cache.Ticker;
import io.strata.cache.Weigher;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The in-process tier, on Caffeine. Each entry expires at its own {@link
 * CacheEntry#retainUntil()}, capped by the local TTL; the tier is bounded by count or by weight,
 * and values heavier than a cap are not admitted. Thread-safe. Caffeine's upkeep runs on the
 * calling thread after a write or a miss, and on the common pool after a hit.
 */
public final class LocalTier<K, V> implements CacheTier<K, V> {

  /** The name every local tier reports. */
  public static final String NAME = "local";

  private final Cache<K, CacheEntry<V>> cache;
  private final @Nullable Weigher<K, V> weigher;
  private final long maximumValueWeight;
  private final CacheObserver observer;
  private final LongAdder evictions = new LongAdder();

  /**
   * The upkeep Caffeine asked for (draining its buffers, evicting), held until the call that
   * caused it returns. A write or a miss then runs it on its own thread: a few hundred
   * nanoseconds, where waking a pool thread cost a remote hit more than its Redis round trip on a
   * 2-core machine (a read of an expired entry asks for upkeep every time). A read that answered
   * hands it to {@code handOff}, the common pool as in Caffeine's default: run there, it made a
   * local hit half as slow again as Caffeine's own. One slot, since Caffeine has at most one
   * upkeep outstanding; upkeep asked for elsewhere (by a pool thread) waits for the next call.
   */
  private final AtomicReference<@Nullable Runnable> upkeep = new AtomicReference<>();

  private final Executor handOff;

  /**
   * Creates a local tier.
   *
   * @param maximumSize the bound in entries, or -1 when bounded by weight
   * @param maximumWeight the bound in weight, or -1 when bounded by count
   * @param weigher the weigher, required with a weight bound or a value cap
   * @param maximumValueWeight the heaviest value admitted, or -1 for no cap
   * @param localTtl the longest any entry is kept, or null for no cap
   * @param storeCap the longest an entry stored now may be kept (read when it is stored: the
   *     staleness bound of degraded mode), {@code Long.MAX_VALUE} for no cap
   * @param handOff where Caffeine's upkeep runs when a read that answered asked for it: the
   *     common pool, as in Caffeine's default (after a write or a miss it runs on the caller)
   */
  public LocalTier(
      long maximumSize,
      long maximumWeight,
      @Nullable Weigher<K, V> weigher,
      long maximumValueWeight,
      @Nullable Duration localTtl,
      LongSupplier storeCap,
      Ticker ticker,
      CacheObserver observer,
      Executor handOff) {
    this.handOff = handOff;
    this.weigher = weigher;
    this.maximumValueWeight = maximumValueWeight;
    this.observer = observer;
    long capNanos = localTtl == null ? Long.MAX_VALUE : Durations.nanos(localTtl);
    Caffeine<Object, Object> builder =
        Caffeine.newBuilder()
            .ticker(ticker::read)
            .executor(this::holdUpkeep)
            .evictionListener((key, value, cause) -> evictions.increment());
    if (maximumWeight > 0) {
      Weigher<K, V> w = Objects.requireNonNull(weigher, "weigher");
      builder
          .maximumWeight(maximumWeight)
          .weigher(
              (K key, CacheEntry<V> entry) -> {
                V value = entry.value();
                return value == null ? 1 : Math.max(1, w.weigh(key, value));
              });
    } else {
      builder.maximumSize(maximumSize);
    }
    this.cache =
        builder.expireAfter(
                new Expiry<K, CacheEntry<V>>() {
                  @Override
                  public long expireAfterCreate(K key, CacheEntry<V> entry, long now) {
                    long cap = Math.min(capNanos, storeCap.getAsLong());
                    return Math.min(cap, Math.max(0, entry.retainUntil() - now));
                  }

                  @Override
                  public long expireAfterUpdate(
                      K key, CacheEntry<V> entry, long now, long currentDuration) {
                    return expireAfterCreate(key, entry, now);
                  }

                  @Override
                  public long expireAfterRead(
                      K key, CacheEntry<V> entry, long now, long currentDuration) {
                    return currentDuration;
                  }
                })
            .build();
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public @Nullable CacheEntry<V> get(K key) {
    CacheEntry<V> entry = cache.getIfPresent(key);
    if (upkeep.get() != null) {
      settleUpkeep(entry == null);
    }
    return entry;
  }

  @Override
  public Map<K, CacheEntry<V>> getAll(Collection<? extends K> keys) {
    Map<K, CacheEntry<V>> found = cache.getAllPresent(keys);
    if (upkeep.get() != null) {
      settleUpkeep(found.size() < keys.size());
    }
    return found;
  }

  @Override
  public void put(K key, CacheEntry<V> entry) {
    putIf(key, entry, () -> true);
  }

  /**
   * Stores {@code entry} only if {@code stillValid} holds at the moment of storing, atomically
   * with respect to {@link #invalidate} of the same key: an invalidation that makes the guard
   * false either happens before (nothing is stored) or removes what was stored. A refused fill
   * removes the key: keeping the entry there would restart its local TTL cap, and whatever is
   * there lost a race with the change that made the guard false.
   *
   * @return whether {@code entry} was stored
   */
  public boolean putIf(K key, CacheEntry<V> entry, BooleanSupplier stillValid) {
    boolean admitted = admits(key, entry);
    boolean stored =
        cache.asMap().compute(key, (k, old) -> stillValid.getAsBoolean() && admitted ? entry : null)
            == entry;
    runUpkeep();
    return stored;
  }

  @Override
  public void invalidate(K key) {
    cache.invalidate(key);
    runUpkeep();
  }

  /**
   * Caffeine's executor: keeps the upkeep for the call that asked for it (see {@link #upkeep}),
   * or hands it off if one is held already, which Caffeine's own bookkeeping should prevent.
   */
  void holdUpkeep(Runnable task) {
    if (!upkeep.compareAndSet(null, task)) {
      handOff.execute(task);
    }
  }

  private void runUpkeep() {
    Runnable task = upkeep.getAndSet(null);
    if (task != null) {
      task.run();
    }
  }

  /** After a read: a miss runs the upkeep held, a read that answered hands it off. */
  private void settleUpkeep(boolean missed) {
    if (missed) {
      runUpkeep();
      return;
    }
    Runnable task = upkeep.getAndSet(null);
    if (task != null) {
      handOff.execute(task);
    }
  }

  @Override
  public void invalidateAll() {
    cache.invalidateAll();
  }

  @Override
  public long estimatedSize() {
    return cache.estimatedSize();
  }

  /** Returns how many entries were evicted for size or expiry. */
  public long evictionCount() {
    return evictions.sum();
  }

  private boolean admits(K key, CacheEntry<V> entry) {
    V value = entry.value();
    if (maximumValueWeight < 0 || value == null || weigher == null) {
      return true;
    }
    if (weigher.weigh(key, value) <= maximumValueWeight) {
      return true;
    }
    observer.valueTooLarge(NAME);
    return false;
  }
}
