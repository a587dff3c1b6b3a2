package io.strata.cache.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.cache.CacheMeterBinder;
import io.strata.cache.CacheStats;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.metrics.internal.MeteringObserver;
import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;

/**
 * Binds a {@link MultiLevelCache} to Micrometer. The cache as callers see it gets Micrometer's own
 * cache meters ({@code cache.gets}, {@code cache.puts}, {@code cache.evictions}, {@code
 * cache.size}, plus {@code cache.loads} as a timer), with Micrometer's names, tags and
 * descriptions, so it sits beside Caffeine- or Spring-bound caches in one registry and on one
 * dashboard. Per-tier detail ({@code cache.tier.gets}, {@code cache.tier.latency}, errors, health,
 * ...) has names of its own; the module README lists every meter.
 *
 * <pre>{@code
 * StrataCacheMetrics.monitor(registry, users);                 // tagged cache="users"
 * new StrataCacheMetrics<>(users, Tags.of("region", "eu")).bindTo(registry);
 * }</pre>
 *
 * <p>The binder observes and never wraps: it adds a {@link io.strata.cache.CacheObserver} to the
 * cache and reads {@link MultiLevelCache#stats()}. It holds the cache weakly, so binding does not
 * keep a cache alive; once the cache is collected its gauges read 0 or NaN. Meters are registered
 * when bound, for the tiers the cache has; those tagged with a value that only an event can tell
 * ({@code cause}, {@code reason}) on the first such event. Binding one binder to one registry twice
 * registers nothing new. Recording allocates nothing on the read path.
 *
 * <p>Thread-safe. Arguments are never null.
 *
 * @param <K> the type of key
 * @param <V> the type of value
 */
public final class StrataCacheMetrics<K, V> extends CacheMeterBinder<MultiLevelCache<K, V>> {

  private final Set<MeterRegistry> bound = Collections.newSetFromMap(new WeakHashMap<>());

  /**
   * Creates a binder for {@code cache}, tagged {@code cache=}{@link MultiLevelCache#name()} and
   * {@code tags}.
   */
  public StrataCacheMetrics(MultiLevelCache<K, V> cache, Iterable<Tag> tags) {
    this(cache, Objects.requireNonNull(cache, "cache").name(), tags);
  }

  /**
   * Creates a binder for {@code cache}, tagged {@code cache=cacheName} and {@code tags}: for
   * frameworks that name caches themselves, as Micrometer's other cache binders are created.
   */
  public StrataCacheMetrics(MultiLevelCache<K, V> cache, String cacheName, Iterable<Tag> tags) {
    super(
        Objects.requireNonNull(cache, "cache"),
        Objects.requireNonNull(cacheName, "cacheName"),
        Objects.requireNonNull(tags, "tags"));
  }

  /**
   * Binds {@code cache} to {@code registry}, tagged {@code cache=}{@link MultiLevelCache#name()}
   * and {@code tags}.
   *
   * @param tags key/value pairs, an even number of them
   * @return {@code cache}, unchanged: it is observed, not wrapped
   */
  public static <K, V, C extends MultiLevelCache<K, V>> C monitor(
      MeterRegistry registry, C cache, String... tags) {
    return monitor(registry, cache, Tags.of(tags));
  }

  /**
   * Binds {@code cache} to {@code registry}, tagged {@code cache=}{@link MultiLevelCache#name()}
   * and {@code tags}.
   *
   * @return {@code cache}, unchanged: it is observed, not wrapped
   */
  public static <K, V, C extends MultiLevelCache<K, V>> C monitor(
      MeterRegistry registry, C cache, Iterable<Tag> tags) {
    Objects.requireNonNull(registry, "registry");
    new StrataCacheMetrics<>(cache, tags).bindTo(registry);
    return cache;
  }

  /** The local tier's estimated entry count: what is held in this process. */
  @Override
  protected @Nullable Long size() {
    MultiLevelCache<K, V> cache = getCache();
    return cache == null ? null : cache.advanced().estimatedLocalSize();
  }

  @Override
  protected long hitCount() {
    return stat(CacheStats::hitCount);
  }

  /** Reads no tier could answer, callers that waited for another caller's load included. */
  @Override
  protected Long missCount() {
    return stat(CacheStats::missCount);
  }

  /** Entries the local tier evicted; lower tiers evict on their own and do not report it. */
  @Override
  protected Long evictionCount() {
    return stat(CacheStats::evictionCount);
  }

  /**
   * Explicit writes plus loader calls that returned: as Micrometer counts puts, "entries added to
   * the cache" by either means. A {@code loadAll} counts once.
   */
  @Override
  protected long putCount() {
    return stat(stats -> saturatedAdd(stats.putCount(), stats.loadSuccessCount()));
  }

  @Override
  protected void bindImplementationSpecificMetrics(MeterRegistry registry) {
    MultiLevelCache<K, V> cache = getCache();
    if (cache == null) {
      return;
    }
    synchronized (bound) {
      // Function counters re-register idempotently; an observer would count every event twice.
      if (!bound.add(registry)) {
        return;
      }
    }
    MultiLevelCache.Advanced<K, V> advanced = cache.advanced();
    MeteringObserver observer =
        MeteringObserver.register(registry, cache, getTagsWithCacheName());
    MeteringObserver.registerHealthGauges(registry, cache, getTagsWithCacheName());
    advanced.addObserver(observer);
  }

  private long stat(ToLongFunction<CacheStats> stat) {
    MultiLevelCache<K, V> cache = getCache();
    return cache == null ? 0 : stat.applyAsLong(cache.stats());
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }

  @Override
  public String toString() {
    MultiLevelCache<K, V> cache = getCache();
    return "StrataCacheMetrics{" + (cache == null ? "collected" : cache.name()) + '}';
  }
}
