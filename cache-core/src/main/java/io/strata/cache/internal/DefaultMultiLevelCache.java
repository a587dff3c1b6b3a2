package io.strata.cache.internal;

import io.strata.cache.CacheEntry;
import io.strata.cache.CacheObserver;
import io.strata.cache.CacheStats;
import io.strata.cache.CacheTier;
import io.strata.cache.Loader;
import io.strata.cache.Lookup;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.RefreshAhead;
import io.strata.cache.Ticker;
import io.strata.cache.TierFactory;
import io.strata.cache.TierHealth;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ForkJoinPool;
import org.jspecify.annotations.Nullable;

/**
 * The multi-level cache: the public API over the engine's parts, each the one place of its
 * protocol. This class checks arguments, answers local hits and counts; everything else is
 * delegated:
 *
 * <ul>
 *   <li>{@link LoadCoordinator}: who loads a key and who waits (claims, timeouts, refreshes);
 *   <li>{@link TierWalk}: reading the lower tiers and promoting what they have;
 *   <li>{@link LoaderCalls}: calling the loader and deciding what its answer becomes;
 *   <li>{@link FillGuard}: the only code that fills a tier from a read;
 *   <li>{@link WritePath}: puts, invalidations and flushes;
 *   <li>{@link EntryFactory}: durations into deadlines.
 * </ul>
 *
 * <p>A local hit allocates nothing and reads the ticker at most once (Caffeine's own reading,
 * unless the entry is kept past its expiry or refresh-ahead is on). Thread-safe.
 */
public final class DefaultMultiLevelCache<K, V>
    implements MultiLevelCache<K, V>, MultiLevelCache.Advanced<K, V> {

  private final CacheSettings<K, V> settings;
  private final String name;
  private final Ticker ticker;
  private final @Nullable RefreshAhead refreshAhead;
  private final ObserverChain observers;
  private final CacheCounters counters = new CacheCounters();
  private final LocalTier<K, V> local;
  private final LowerTiers<K, V> lower = new LowerTiers<>();
  private final FillGuard<K, V> guard;
  private final TierWalk<K, V> walk;
  private final LoadCoordinator<K, V> loads;
  private final WritePath<K, V> writes;
  private final ReadPath<K, V> reads;
  private final DegradedMode mode;
  private volatile boolean closed;

  public DefaultMultiLevelCache(CacheSettings<K, V> settings) {
    this.settings = settings;
    this.name = settings.name();
    this.ticker = settings.ticker();
    this.refreshAhead = settings.refreshAhead();
    this.observers = new ObserverChain(name);
    this.mode =
        new DegradedMode(
            settings.strictCoherence(), settings.degradedLocalTtl(), settings.localTtl());
    this.local =
        new LocalTier<>(
            settings.maximumSize(),
            settings.maximumWeight(),
            settings.weigher(),
            settings.maximumValueWeight(),
            settings.localTtl(),
            mode::localCapNanos,
            ticker,
            observers,
            ForkJoinPool.commonPool());
    LocalAdmission<K> admission =
        new LocalAdmission<>(settings.localAdmissionReads(), settings.maximumSize());
    EntryFactory<K, V> entries = new EntryFactory<>(settings);
    this.guard = new FillGuard<>(local, lower, admission, observers, mode);
    this.walk = new TierWalk<>(local, lower, guard, ticker, observers);
    LoaderCalls<K, V> calls =
        new LoaderCalls<>(
            settings.loader(),
            ticker,
            entries,
            guard,
            counters,
            observers,
            key -> writes().forget(key));
    this.loads = new LoadCoordinator<>(settings, guard, walk, calls, observers);
    this.writes =
        new WritePath<>(
            settings.writer(), ticker, entries, local, lower, guard, loads, counters, mode);
    this.reads =
        new ReadPath<>(
            ticker, settings.refreshAhead(), local, admission, walk, loads, counters, observers);
    addTiers(settings.tiers());
  }

  private WritePath<K, V> writes() {
    return writes;
  }

  private void addTiers(List<TierFactory<K, V>> factories) {
    Set<String> names = new HashSet<>();
    names.add(LocalTier.NAME);
    try {
      for (TierFactory<K, V> factory : factories) {
        int level = lower.size();
        TierOutage<K> outage =
            new TierOutage<>(
                name,
                mode,
                settings.executor(),
                settings.scheduler(),
                observers,
                settings.outageJournalCapacity());
        TierSink<K> sink =
            new TierSink<>(
                name,
                level,
                ticker,
                settings.executor(),
                observers,
                lower,
                guard,
                writes,
                mode,
                outage);
        CacheTier<K, V> tier =
            Objects.requireNonNull(
                factory.create(sink), "tier factory " + factory + " returned null");
        if (!names.add(tier.name())) {
          tier.close();
          throw new IllegalStateException(
              "tier name '" + tier.name() + "' is used twice in cache '" + name
                  + "': give each tier a distinct name");
        }
        lower.add(new GuardedTier<>(tier, name, ticker, observers, outage));
      }
    } catch (RuntimeException e) {
      lower.closeAll();
      throw e;
    }
  }

  // ---------------------------------------------------------------- reads

  @Override
  public String name() {
    return name;
  }

  @Override
  public @Nullable V get(K key) {
    return get(key, requireLoader());
  }

  @Override
  public @Nullable V get(K key, Loader<? super K, V> loader) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(loader, "loader");
    CacheEntry<V> entry = local.get(key);
    if (entry != null && refreshAhead == null && freshWhileHeld(entry)) {
      reads.localHit();
      return entry.value();
    }
    long now = ticker.read();
    if (entry != null && entry.isFresh(now)) {
      reads.localHit();
      reads.maybeRefreshAhead(key, entry, now, cast(loader));
      return entry.value();
    }
    requireOpen();
    return reads.readAndWait(key, cast(loader), entry, now).value();
  }

  @Override
  public Lookup<V> lookup(K key) {
    Objects.requireNonNull(key, "key");
    Loader<K, V> loader = requireLoader();
    CacheEntry<V> entry = local.get(key);
    if (entry != null && refreshAhead == null && freshWhileHeld(entry)) {
      reads.localHit();
      return new Lookup<>(entry.value(), LocalTier.NAME, false);
    }
    long now = ticker.read();
    if (entry != null && entry.isFresh(now)) {
      reads.localHit();
      reads.maybeRefreshAhead(key, entry, now, loader);
      return new Lookup<>(entry.value(), LocalTier.NAME, false);
    }
    requireOpen();
    Resolved<V> resolved = reads.readAndWait(key, loader, entry, now);
    return new Lookup<>(resolved.value(), resolved.tier(), resolved.stale());
  }

  @Override
  public CompletableFuture<@Nullable V> getAsync(K key) {
    Objects.requireNonNull(key, "key");
    Loader<K, V> loader = requireLoader();
    long now = ticker.read();
    CacheEntry<V> entry = local.get(key);
    if (entry != null && entry.isFresh(now)) {
      reads.localHit();
      reads.maybeRefreshAhead(key, entry, now, loader);
      return CompletableFuture.completedFuture(entry.value());
    }
    requireOpen();
    return reads.read(key, loader, entry, now, false).thenApply(Resolved::value);
  }

  @Override
  public @Nullable V getIfPresent(K key) {
    Objects.requireNonNull(key, "key");
    CacheEntry<V> entry = local.get(key);
    if (entry != null && (freshWhileHeld(entry) || entry.isFresh(ticker.read()))) {
      reads.localHit();
      return entry.value();
    }
    requireOpen();
    observers.tierMiss(LocalTier.NAME);
    Resolved<V> resolved = loads.answered(key);
    if (resolved == null) {
      resolved = walk.forPeek(List.of(key)).get(key);
    }
    if (resolved == null) {
      counters.misses.increment();
      return null;
    }
    counters.hits.increment();
    return resolved.value();
  }

  @Override
  public Map<K, V> getAll(Collection<? extends K> keys) {
    List<K> distinct = distinctKeys(keys);
    requireOpen();
    if (settings.loader() == null) {
      return reads.getAllPresent(distinct);
    }
    Map<K, CompletableFuture<Resolved<V>>> answers = reads.readAll(distinct, requireLoader(), false);
    Map<K, V> result = new LinkedHashMap<>();
    for (K key : distinct) {
      V value = join(answers.get(key)).value();
      if (value != null) {
        result.put(key, value);
      }
    }
    return result;
  }

  @Override
  public CompletableFuture<Map<K, V>> getAllAsync(Collection<? extends K> keys) {
    List<K> distinct = distinctKeys(keys);
    requireOpen();
    if (settings.loader() == null) {
      return CompletableFuture.supplyAsync(() -> reads.getAllPresent(distinct), settings.executor());
    }
    Map<K, CompletableFuture<Resolved<V>>> answers = reads.readAll(distinct, requireLoader(), true);
    return CompletableFuture.allOf(answers.values().toArray(CompletableFuture[]::new))
        .thenApply(
            done -> {
              Map<K, V> result = new LinkedHashMap<>();
              for (K key : distinct) {
                V value = answers.get(key).join().value();
                if (value != null) {
                  result.put(key, value);
                }
              }
              return result;
            });
  }

  /**
   * Whether the local tier holds {@code entry} only while it is fresh, so that the tier handing
   * it out already proves it fresh: Caffeine checked the entry against its own clock reading, and
   * a second reading would cost as much as the rest of a hit. Entries kept past their expiry (for
   * stale serving or revalidation) still need the caller's clock.
   */
  private static boolean freshWhileHeld(CacheEntry<?> entry) {
    return entry.retainUntil() - entry.expiresAt() <= 0;
  }

  // ---------------------------------------------------------------- writes

  @Override
  public void put(K key, V value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    requireOpen();
    writes.put(key, value, null);
  }

  @Override
  public void put(K key, V value, Duration ttl) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl must be positive, but was " + ttl);
    }
    requireOpen();
    writes.put(key, value, ttl);
  }

  @Override
  public void putAll(Map<? extends K, ? extends V> map) {
    Objects.requireNonNull(map, "map");
    Map<K, V> checked = new LinkedHashMap<>();
    map.forEach(
        (key, value) ->
            checked.put(
                Objects.requireNonNull(key, "map contains a null key"),
                Objects.requireNonNull(value, "map contains a null value")));
    requireOpen();
    writes.putAll(checked);
  }

  @Override
  public void invalidate(K key) {
    Objects.requireNonNull(key, "key");
    requireOpen();
    writes.invalidate(key);
  }

  @Override
  public void invalidateAll() {
    requireOpen();
    writes.flush();
  }

  // ---------------------------------------------------------------- the rest

  @Override
  public CacheStats stats() {
    return counters.snapshot(local.evictionCount());
  }

  @Override
  public Advanced<K, V> advanced() {
    return this;
  }

  @Override
  public List<String> tierNames() {
    List<String> names = new ArrayList<>(lower.size() + 1);
    names.add(LocalTier.NAME);
    lower.all().forEach(tier -> names.add(tier.name()));
    return List.copyOf(names);
  }

  @Override
  public Map<String, TierHealth> health() {
    Map<String, TierHealth> health = new LinkedHashMap<>();
    health.put(LocalTier.NAME, TierHealth.up());
    lower.all().forEach(tier -> health.put(tier.name(), tier.health()));
    return health;
  }

  @Override
  public long estimatedLocalSize() {
    return local.estimatedSize();
  }

  @Override
  public long localHitCount() {
    return counters.localHits.sum();
  }

  @Override
  public int warmUp(Collection<? extends K> keys) {
    requireLoader();
    return getAll(keys).size();
  }

  @Override
  public CompletableFuture<@Nullable V> refresh(K key) {
    Objects.requireNonNull(key, "key");
    Loader<K, V> loader = requireLoader();
    requireOpen();
    CacheEntry<V> current = local.get(key);
    return loads
        .refresh(key, current, LocalTier.NAME, loader, false)
        .thenApply(
            resolved -> {
              Throwable failure = resolved.failure();
              if (failure != null) {
                // Joiners may take the previous value; the caller who asked must hear the failure.
                throw new CompletionException(failure);
              }
              return resolved.value();
            });
  }

  @Override
  public AutoCloseable addObserver(CacheObserver observer) {
    Objects.requireNonNull(observer, "observer");
    return observers.add(observer);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    guard.close();
    lower.closeAll();
    local.invalidateAll();
  }

  @Override
  public String toString() {
    return "MultiLevelCache{name=" + name + ", tiers=" + tierNames() + '}';
  }

  private static <K> List<K> distinctKeys(Collection<? extends K> keys) {
    Objects.requireNonNull(keys, "keys");
    Set<K> distinct = new LinkedHashSet<>();
    for (K key : keys) {
      distinct.add(Objects.requireNonNull(key, "keys contains a null key"));
    }
    return new ArrayList<>(distinct);
  }

  private Loader<K, V> requireLoader() {
    Loader<K, V> loader = settings.loader();
    if (loader == null) {
      throw new IllegalStateException(
          "cache '" + name + "' has no loader: set one with builder.loader(...) or call"
              + " get(key, loader)");
    }
    return loader;
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("cache '" + name + "' is closed");
    }
  }

  @SuppressWarnings("unchecked")
  private static <K, V> Loader<K, V> cast(Loader<? super K, V> loader) {
    return (Loader<K, V>) loader;
  }

  /** Waits for a read; rethrows a loader's unchecked exception as it was thrown. */
  static <V> Resolved<V> join(CompletableFuture<Resolved<V>> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw e;
    }
  }
}
