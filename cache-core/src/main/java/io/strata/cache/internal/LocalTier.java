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
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The in-process tier, on Caffeine. Each entry expires at its own {@link
 * CacheEntry#retainUntil()}, capped by the local TTL; the tier is bounded by count or by weight,
 * and values heavier than a cap are not admitted.
 */
public final class LocalTier<K, V> implements CacheTier<K, V> {

  /** The name every local tier reports. */
  public static final String NAME = "local";

  /** Set while this thread writes to a local tier, so that the upkeep the write needs runs here. */
  private static final ThreadLocal<boolean[]> WRITING = ThreadLocal.withInitial(() -> new boolean[1]);

  /**
   * Where Caffeine's upkeep runs (draining its read and write buffers, evicting). After a write,
   * on the writing thread: a few hundred nanoseconds, amortized, where handing it off woke a pool
   * thread for every write, a promotion included, which cost a remote hit more than its Redis
   * round trip on a busy machine. After reads, on the common pool, as Caffeine does by default:
   * done on the reading thread, it made a local hit half as slow again as Caffeine's own.
   */
  private static final Executor UPKEEP =
      task -> {
        if (WRITING.get()[0]) {
          task.run();
        } else {
          ForkJoinPool.commonPool().execute(task);
        }
      };

  private final Cache<K, CacheEntry<V>> cache;
  private final @Nullable Weigher<K, V> weigher;
  private final long maximumValueWeight;
  private final CacheObserver observer;
  private final LongAdder evictions = new LongAdder();

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
   */
  public LocalTier(
      long maximumSize,
      long maximumWeight,
      @Nullable Weigher<K, V> weigher,
      long maximumValueWeight,
      @Nullable Duration localTtl,
      LongSupplier storeCap,
      Ticker ticker,
      CacheObserver observer) {
    this.weigher = weigher;
    this.maximumValueWeight = maximumValueWeight;
    this.observer = observer;
    long capNanos = localTtl == null ? Long.MAX_VALUE : Durations.nanos(localTtl);
    Caffeine<Object, Object> builder =
        Caffeine.newBuilder()
            .ticker(ticker::read)
            .executor(UPKEEP)
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
    return cache.getIfPresent(key);
  }

  @Override
  public Map<K, CacheEntry<V>> getAll(Collection<? extends K> keys) {
    return cache.getAllPresent(keys);
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
    return asWriter(
        () ->
            cache
                    .asMap()
                    .compute(key, (k, old) -> stillValid.getAsBoolean() && admitted ? entry : null)
                == entry);
  }

  @Override
  public void invalidate(K key) {
    asWriter(
        () -> {
          cache.invalidate(key);
          return null;
        });
  }

  /** Runs {@code write} with the upkeep it causes on this thread (see {@link #UPKEEP}). */
  private static <T> T asWriter(Supplier<T> write) {
    boolean[] writing = WRITING.get();
    boolean outer = writing[0];
    writing[0] = true;
    try {
      return write.get();
    } finally {
      writing[0] = outer;
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
