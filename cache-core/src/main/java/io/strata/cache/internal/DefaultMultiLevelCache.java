package io.strata.cache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.strata.cache.CacheEntry;
import io.strata.cache.CacheObserver;
import io.strata.cache.CacheStats;
import io.strata.cache.CacheTier;
import io.strata.cache.InvalidationSink;
import io.strata.cache.Loaded;
import io.strata.cache.Loader;
import io.strata.cache.Lookup;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.RefreshAhead;
import io.strata.cache.Scheduler;
import io.strata.cache.Ticker;
import io.strata.cache.TierContext;
import io.strata.cache.TierFactory;
import io.strata.cache.TierHealth;
import io.strata.cache.Writer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The multi-level cache engine.
 *
 * <p>Reads: the local tier first, with no allocation and at most one ticker reading (Caffeine's
 * own, unless the entry is kept past its expiry or refresh-ahead is on) on a fresh hit. On a
 * miss, one caller per key (the leader) walks the lower tiers and, if none has the key, calls the
 * loader; concurrent callers wait for the leader's future. No user code ever runs inside a map
 * computation, so a slow load of one key cannot block another key.
 *
 * <p>Fills: a value found below or loaded is written to the tiers above, lowest first, and to the
 * local tier only if no invalidation of the key (or flush) happened since the leader started (see
 * {@link InvalidationStamps}), atomically with respect to invalidations.
 */
public final class DefaultMultiLevelCache<K, V>
    implements MultiLevelCache<K, V>, MultiLevelCache.Advanced<K, V> {

  private static final Logger LOG = LoggerFactory.getLogger(DefaultMultiLevelCache.class);

  private final CacheSettings<K, V> settings;
  private final String name;
  private final Ticker ticker;
  private final Executor executor;
  private final Scheduler scheduler;
  private final @Nullable RefreshAhead refreshAhead;
  private final boolean timedLoads;
  private final ObserverChain observers;
  private final LocalTier<K, V> local;
  private final List<GuardedTier<K, V>> lower;
  private final InvalidationStamps stamps = new InvalidationStamps();
  private final ConcurrentHashMap<K, CompletableFuture<Resolved<V>>> inflight =
      new ConcurrentHashMap<>();
  private final @Nullable Cache<K, AtomicInteger> readCounts;

  // Local hits apart from the others only so that meters can read them (localHitCount) instead of
  // adding one more atomic operation of their own to the hot path.
  private final LongAdder localHits = new LongAdder();
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder loadSuccesses = new LongAdder();
  private final LongAdder loadFailures = new LongAdder();
  private final LongAdder loadNanos = new LongAdder();
  private final LongAdder puts = new LongAdder();
  private volatile boolean closed;

  public DefaultMultiLevelCache(CacheSettings<K, V> settings) {
    this.settings = settings;
    this.name = settings.name();
    this.ticker = settings.ticker();
    this.executor = settings.executor();
    this.scheduler = settings.scheduler();
    this.refreshAhead = settings.refreshAhead();
    this.timedLoads = settings.softLoadTimeout() != null || settings.hardLoadTimeout() != null;
    this.observers = new ObserverChain(name);
    this.local =
        new LocalTier<>(
            settings.maximumSize(),
            settings.maximumWeight(),
            settings.weigher(),
            settings.maximumValueWeight(),
            settings.localTtl(),
            ticker,
            executor,
            observers);
    this.readCounts =
        settings.localAdmissionReads() > 1
            ? Caffeine.newBuilder()
                .maximumSize(Math.max(1_000, settings.maximumSize()))
                .executor(executor)
                .build()
            : null;
    List<GuardedTier<K, V>> tiers = new ArrayList<>();
    Set<String> names = new HashSet<>();
    names.add(LocalTier.NAME);
    try {
      for (TierFactory<K, V> factory : settings.tiers()) {
        int level = tiers.size() + 1;
        CacheTier<K, V> tier =
            Objects.requireNonNull(
                factory.create(new Context(level)), "tier factory " + factory + " returned null");
        if (!names.add(tier.name())) {
          tier.close();
          throw new IllegalStateException(
              "tier name '" + tier.name() + "' is used twice in cache '" + name
                  + "': give each tier a distinct name");
        }
        tiers.add(new GuardedTier<>(tier, name, ticker, observers));
      }
    } catch (RuntimeException e) {
      tiers.forEach(GuardedTier::close);
      throw e;
    }
    this.lower = List.copyOf(tiers);
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
      localHits.increment();
      observers.tierHit(LocalTier.NAME);
      return entry.value();
    }
    long now = ticker.read();
    if (entry != null && entry.isFresh(now)) {
      localHits.increment();
      observers.tierHit(LocalTier.NAME);
      if (refreshAhead != null) {
        maybeRefreshAhead(key, entry, now, cast(loader));
      }
      return entry.value();
    }
    return readAndWait(key, cast(loader), entry, now).value();
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

  @Override
  public @Nullable V getIfPresent(K key) {
    Objects.requireNonNull(key, "key");
    CacheEntry<V> entry = local.get(key);
    if (entry != null && (freshWhileHeld(entry) || entry.isFresh(ticker.read()))) {
      localHits.increment();
      observers.tierHit(LocalTier.NAME);
      return entry.value();
    }
    requireOpen();
    observers.tierMiss(LocalTier.NAME);
    Resolved<V> resolved = walkPresent(List.of(key)).get(key);
    if (resolved == null) {
      misses.increment();
      return null;
    }
    hits.increment();
    return resolved.value();
  }

  /**
   * Reads {@code keys} from the lower tiers without loading and without joining or claiming
   * loads (a caller that only peeks must neither wait for a loader nor make a loading caller wait
   * for a peek), promoting what it finds fresh.
   */
  private Map<K, Resolved<V>> walkPresent(Collection<K> keys) {
    Map<K, Resolved<V>> found = new LinkedHashMap<>();
    if (lower.isEmpty()) {
      return found;
    }
    long epoch = stamps.epoch();
    Map<K, Long> seen = new HashMap<>();
    for (K key : keys) {
      seen.put(key, stamps.stamp(key));
    }
    Set<K> remaining = new LinkedHashSet<>(keys);
    for (int level = 0; level < lower.size() && !remaining.isEmpty(); level++) {
      GuardedTier<K, V> tier = lower.get(level);
      Map<K, CacheEntry<V>> hits =
          remaining.size() == 1 ? single(tier, remaining.iterator().next()) : tier.getAll(remaining);
      long now = ticker.read();
      for (Map.Entry<K, CacheEntry<V>> hit : hits.entrySet()) {
        K key = hit.getKey();
        if (remaining.contains(key) && hit.getValue().isFresh(now)) {
          promote(key, hit.getValue(), level, seen.get(key), epoch);
          remaining.remove(key);
          found.put(key, new Resolved<>(hit.getValue(), tier.name(), false));
        }
      }
    }
    return found;
  }

  private Map<K, CacheEntry<V>> single(GuardedTier<K, V> tier, K key) {
    CacheEntry<V> entry = tier.get(key);
    return entry == null ? Map.of() : Map.of(key, entry);
  }

  @Override
  public Lookup<V> lookup(K key) {
    Objects.requireNonNull(key, "key");
    Loader<K, V> loader = requireLoader();
    CacheEntry<V> entry = local.get(key);
    if (entry != null && refreshAhead == null && freshWhileHeld(entry)) {
      localHits.increment();
      observers.tierHit(LocalTier.NAME);
      return new Lookup<>(entry.value(), LocalTier.NAME, false);
    }
    long now = ticker.read();
    if (entry != null && entry.isFresh(now)) {
      localHits.increment();
      observers.tierHit(LocalTier.NAME);
      if (refreshAhead != null) {
        maybeRefreshAhead(key, entry, now, loader);
      }
      return new Lookup<>(entry.value(), LocalTier.NAME, false);
    }
    Resolved<V> resolved = readAndWait(key, loader, entry, now);
    return new Lookup<>(resolved.value(), resolved.tier(), resolved.stale());
  }

  @Override
  public CompletableFuture<@Nullable V> getAsync(K key) {
    Objects.requireNonNull(key, "key");
    Loader<K, V> loader = requireLoader();
    long now = ticker.read();
    CacheEntry<V> entry = local.get(key);
    if (entry != null && entry.isFresh(now)) {
      localHits.increment();
      observers.tierHit(LocalTier.NAME);
      if (refreshAhead != null) {
        maybeRefreshAhead(key, entry, now, loader);
      }
      return CompletableFuture.completedFuture(entry.value());
    }
    return read(key, loader, entry, now, false).thenApply(Resolved::value);
  }

  @Override
  public Map<K, V> getAll(Collection<? extends K> keys) {
    if (settings.loader() == null) {
      return getAllPresent(keys);
    }
    Map<K, CompletableFuture<Resolved<V>>> pending = new LinkedHashMap<>();
    Map<K, V> result = readAll(keys, requireLoader(), pending, false);
    for (Map.Entry<K, CompletableFuture<Resolved<V>>> wait : pending.entrySet()) {
      V value = join(wait.getValue()).value();
      if (value != null) {
        result.put(wait.getKey(), value);
      }
    }
    return result;
  }

  @Override
  public CompletableFuture<Map<K, V>> getAllAsync(Collection<? extends K> keys) {
    if (settings.loader() == null) {
      Objects.requireNonNull(keys, "keys");
      return CompletableFuture.supplyAsync(() -> getAllPresent(keys), executor);
    }
    Map<K, CompletableFuture<Resolved<V>>> pending = new LinkedHashMap<>();
    Map<K, V> result = readAll(keys, requireLoader(), pending, true);
    if (pending.isEmpty()) {
      return CompletableFuture.completedFuture(result);
    }
    return CompletableFuture.allOf(pending.values().toArray(CompletableFuture[]::new))
        .thenApply(
            done -> {
              pending.forEach(
                  (key, future) -> {
                    V value = future.join().value();
                    if (value != null) {
                      result.put(key, value);
                    }
                  });
              return result;
            });
  }

  /** {@link #getAll} for a cache without a loader: what the tiers have, nothing loaded. */
  private Map<K, V> getAllPresent(Collection<? extends K> keys) {
    Objects.requireNonNull(keys, "keys");
    requireOpen();
    Map<K, V> result = new LinkedHashMap<>();
    List<K> missing = new ArrayList<>();
    long now = ticker.read();
    for (K key : new LinkedHashSet<>(keys)) {
      Objects.requireNonNull(key, "keys contains a null key");
      CacheEntry<V> entry = local.get(key);
      if (entry != null && entry.isFresh(now)) {
        localHits.increment();
        observers.tierHit(LocalTier.NAME);
        if (entry.value() != null) {
          result.put(key, entry.value());
        }
      } else {
        observers.tierMiss(LocalTier.NAME);
        missing.add(key);
      }
    }
    Map<K, Resolved<V>> found = walkPresent(missing);
    hits.add(found.size());
    misses.add(missing.size() - found.size());
    found.forEach(
        (key, resolved) -> {
          V value = resolved.value();
          if (value != null) {
            result.put(key, value);
          }
        });
    return result;
  }

  /**
   * The slow path of a single read: the local tier had nothing fresh. A synchronous caller leads
   * a load on its own thread ({@code inline}) unless load timeouts need it free to stop waiting.
   */
  private CompletableFuture<Resolved<V>> read(
      K key, Loader<K, V> loader, @Nullable CacheEntry<V> localEntry, long now, boolean inline) {
    requireOpen();
    if (localEntry != null && now - localEntry.staleWhileRevalidateUntil() < 0) {
      hits.increment();
      observers.staleServed("revalidate");
      refreshInBackground(key, localEntry, LocalTier.NAME, loader);
      return CompletableFuture.completedFuture(new Resolved<>(localEntry, LocalTier.NAME, true));
    }
    Fallback<V> fallback = localMiss(key, localEntry);
    return counted(awaitWithTimeouts(claimOrJoin(key, loader, fallback, inline && !timedLoads), fallback));
  }

  /** Records a local miss; returns the expired local entry as the fallback, if there is one. */
  private @Nullable Fallback<V> localMiss(K key, @Nullable CacheEntry<V> localEntry) {
    observers.tierMiss(LocalTier.NAME);
    countRead(key);
    return localEntry == null ? null : new Fallback<>(localEntry, LocalTier.NAME);
  }

  /**
   * {@link #read} for a caller that waits for the answer on its own thread. Without load timeouts
   * it joins the shared load itself (joining cannot cancel it) and counts the answer here: a
   * per-caller stage would make the leader run one stage per waiter before waking the next, and a
   * cold key with a thousand waiters would wait for that queue.
   */
  private Resolved<V> readAndWait(
      K key, Loader<K, V> loader, @Nullable CacheEntry<V> localEntry, long now) {
    if (timedLoads || (localEntry != null && now - localEntry.staleWhileRevalidateUntil() < 0)) {
      return join(read(key, loader, localEntry, now, true));
    }
    requireOpen();
    Fallback<V> fallback = localMiss(key, localEntry);
    Resolved<V> resolved;
    try {
      resolved = join(claimOrJoin(key, loader, fallback, true));
    } catch (RuntimeException | Error e) {
      misses.increment();
      throw e;
    }
    if (resolved.tier() != null) {
      hits.increment();
    } else {
      misses.increment();
    }
    return resolved;
  }

  /** Counts the answer as a hit or a miss once it arrives. */
  private CompletableFuture<Resolved<V>> counted(CompletableFuture<Resolved<V>> answer) {
    return answer.whenComplete(
        (resolved, error) -> {
          if (resolved != null && resolved.tier() != null) {
            hits.increment();
          } else {
            misses.increment();
          }
        });
  }

  /**
   * Joins the load of {@code key} under way, or starts one. The leader runs on this thread when
   * {@code inline}, otherwise on the executor.
   */
  private CompletableFuture<Resolved<V>> claimOrJoin(
      K key, Loader<K, V> loader, @Nullable Fallback<V> fallback, boolean inline) {
    CompletableFuture<Resolved<V>> mine = new CompletableFuture<>();
    CompletableFuture<Resolved<V>> existing = inflight.putIfAbsent(key, mine);
    if (existing != null) {
      observers.coalescedWait();
      return existing;
    }
    Runnable leader = () -> lead(key, loader, fallback, mine);
    if (inline) {
      leader.run();
    } else {
      execute(leader, key, mine);
    }
    return mine;
  }

  private void lead(
      K key,
      Loader<K, V> loader,
      @Nullable Fallback<V> fallback,
      CompletableFuture<Resolved<V>> mine) {
    Resolved<V> resolved;
    try {
      resolved = walkAndLoad(key, loader, fallback);
    } catch (Throwable e) {
      inflight.remove(key, mine);
      mine.completeExceptionally(e);
      return;
    }
    inflight.remove(key, mine);
    mine.complete(resolved);
    if (resolved.revalidate()) {
      // Only now, with the leader's own claim released, can the reload claim the key.
      refreshInBackground(key, resolved.entry(), Objects.requireNonNull(resolved.tier()), loader);
    }
  }

  private Resolved<V> walkAndLoad(
      K key, Loader<K, V> loader, @Nullable Fallback<V> fallback) throws Exception {
    long stamp = stamps.stamp(key);
    long epoch = stamps.epoch();
    for (int level = 0; level < lower.size(); level++) {
      GuardedTier<K, V> tier = lower.get(level);
      CacheEntry<V> entry = tier.get(key);
      if (entry == null) {
        continue;
      }
      long now = ticker.read();
      if (entry.isFresh(now)) {
        promote(key, entry, level, stamp, epoch);
        return new Resolved<>(entry, tier.name(), false);
      }
      if (now - entry.staleWhileRevalidateUntil() < 0) {
        promote(key, entry, level, stamp, epoch);
        observers.staleServed("revalidate");
        return new Resolved<>(entry, tier.name(), true, true);
      }
      if (now - entry.retainUntil() < 0
          && (fallback == null || entry.expiresAt() - fallback.entry().expiresAt() > 0)) {
        fallback = new Fallback<>(entry, tier.name());
      }
    }
    return load(key, loader, fallback, stamp, epoch);
  }

  /**
   * Calls the loader (reload when there is a previous entry, so that validators are used) and
   * stores the result; on failure answers with the fallback if stale-if-error allows it.
   */
  private Resolved<V> load(
      K key, Loader<K, V> loader, @Nullable Fallback<V> fallback, long stamp, long epoch)
      throws Exception {
    long start = ticker.read();
    Loaded<V> loaded;
    try {
      loaded =
          Objects.requireNonNull(
              fallback == null ? loader.loadEntry(key) : loader.reload(key, fallback.entry()),
              "the loader returned a null Loaded; return Loaded.notFound() for a missing key");
    } catch (Exception | Error e) {
      long now = ticker.read();
      loadFailures.increment();
      loadNanos.add(now - start);
      observers.load(false, now - start);
      if (fallback != null && now - fallback.entry().staleIfErrorUntil() < 0) {
        observers.staleServed("error");
        return new Resolved<>(fallback.entry(), fallback.tier(), true);
      }
      throw e;
    }
    long now = ticker.read();
    loadSuccesses.increment();
    loadNanos.add(now - start);
    observers.load(true, now - start);
    CacheEntry<V> entry = toEntry(key, loaded, fallback == null ? null : fallback.entry(), now, start);
    if (entry == null) {
      if (fallback != null) {
        // The source no longer has the key: the expired copy must not be served again.
        invalidateTiers(key);
      }
      return Resolved.miss();
    }
    Loaded.Storage storage = loaded.storage();
    if (storage == Loaded.Storage.NOWHERE) {
      if (fallback != null) {
        invalidateTiers(key);
      }
      return new Resolved<>(entry, null, false);
    }
    if (entry.retainUntil() - now > 0 && stamps.unchanged(key, stamp, epoch)) {
      boolean shared = true;
      if (storage == Loaded.Storage.EVERYWHERE) {
        for (int level = lower.size() - 1; level >= 0; level--) {
          shared &= lower.get(level).put(key, entry);
        }
      }
      // A value a shared tier failed to take would be this instance's alone: others would read
      // something else, and no invalidation would ever tell this one. Keep it out.
      if (shared && admitLocally(key)) {
        local.putIf(key, entry, () -> stamps.mayFillLocal(key, stamp, epoch));
      }
    }
    return new Resolved<>(entry, null, false);
  }

  /** Copies an entry found at {@code level} into every tier above it, lowest first. */
  private void promote(K key, CacheEntry<V> entry, int level, long stamp, long epoch) {
    if (!stamps.unchanged(key, stamp, epoch)) {
      return;
    }
    for (int above = level - 1; above >= 0; above--) {
      GuardedTier<K, V> tier = lower.get(above);
      tier.put(key, entry);
      observers.promotion(tier.name());
    }
    if (admitLocally(key)) {
      local.putIf(key, entry, () -> stamps.mayFillLocal(key, stamp, epoch));
      observers.promotion(LocalTier.NAME);
    }
  }

  /**
   * Starts the bulk read of {@code keys}: answers local hits at once, joins loads under way, and
   * leads the rest (one walk per tier, one {@code loadAll}). Puts the futures to wait for in {@code
   * pending}.
   */
  private Map<K, V> readAll(
      Collection<? extends K> keys,
      Loader<K, V> loader,
      Map<K, CompletableFuture<Resolved<V>>> pending,
      boolean async) {
    Objects.requireNonNull(keys, "keys");
    requireOpen();
    Map<K, V> result = new LinkedHashMap<>();
    long now = ticker.read();
    Map<K, CompletableFuture<Resolved<V>>> claimed = new LinkedHashMap<>();
    Map<K, Fallback<V>> fallbacks = new HashMap<>();
    for (K key : new LinkedHashSet<>(keys)) {
      Objects.requireNonNull(key, "keys contains a null key");
      CacheEntry<V> entry = local.get(key);
      if (entry != null && entry.isFresh(now)) {
        localHits.increment();
        observers.tierHit(LocalTier.NAME);
        V value = entry.value();
        if (value != null) {
          result.put(key, value);
        }
        continue;
      }
      if (entry != null) {
        fallbacks.put(key, new Fallback<>(entry, LocalTier.NAME));
      }
      observers.tierMiss(LocalTier.NAME);
      countRead(key);
      CompletableFuture<Resolved<V>> mine = new CompletableFuture<>();
      CompletableFuture<Resolved<V>> existing = inflight.putIfAbsent(key, mine);
      if (existing != null) {
        observers.coalescedWait();
        pending.put(key, counted(existing));
      } else {
        claimed.put(key, mine);
        pending.put(key, counted(mine));
      }
    }
    if (!claimed.isEmpty()) {
      if (async) {
        Runnable leader = () -> leadAll(claimed, loader, fallbacks);
        try {
          executor.execute(leader);
        } catch (RuntimeException e) {
          claimed.forEach((key, mine) -> fail(key, mine, e));
        }
      } else {
        leadAll(claimed, loader, fallbacks);
      }
    }
    return result;
  }

  private void leadAll(
      Map<K, CompletableFuture<Resolved<V>>> claimed,
      Loader<K, V> loader,
      Map<K, Fallback<V>> fallbacks) {
    try {
      Map<K, long[]> seen = new HashMap<>();
      long epoch = stamps.epoch();
      for (K key : claimed.keySet()) {
        seen.put(key, new long[] {stamps.stamp(key)});
      }
      Set<K> remaining = new LinkedHashSet<>(claimed.keySet());
      for (int level = 0; level < lower.size() && !remaining.isEmpty(); level++) {
        GuardedTier<K, V> tier = lower.get(level);
        Map<K, CacheEntry<V>> found = tier.getAll(remaining);
        long now = ticker.read();
        for (Map.Entry<K, CacheEntry<V>> hit : found.entrySet()) {
          K key = hit.getKey();
          CacheEntry<V> entry = hit.getValue();
          CompletableFuture<Resolved<V>> mine = claimed.get(key);
          if (mine == null || !remaining.contains(key)) {
            continue;
          }
          if (entry.isFresh(now)) {
            promote(key, entry, level, seen.get(key)[0], epoch);
            remaining.remove(key);
            settle(key, mine, new Resolved<>(entry, tier.name(), false));
          } else if (now - entry.retainUntil() < 0) {
            Fallback<V> current = fallbacks.get(key);
            if (current == null || entry.expiresAt() - current.entry().expiresAt() > 0) {
              fallbacks.put(key, new Fallback<>(entry, tier.name()));
            }
          }
        }
      }
      if (remaining.isEmpty()) {
        return;
      }
      loadAll(remaining, loader, claimed, fallbacks, seen, epoch);
    } catch (Throwable e) {
      claimed.forEach((key, mine) -> fail(key, mine, e));
    }
  }

  private void loadAll(
      Set<K> keys,
      Loader<K, V> loader,
      Map<K, CompletableFuture<Resolved<V>>> claimed,
      Map<K, Fallback<V>> fallbacks,
      Map<K, long[]> seen,
      long epoch) {
    long start = ticker.read();
    Map<K, V> values;
    try {
      values = Objects.requireNonNull(loader.loadAll(keys), "the loader's loadAll returned null");
    } catch (Exception | Error e) {
      long now = ticker.read();
      loadFailures.increment();
      loadNanos.add(now - start);
      observers.load(false, now - start);
      for (K key : keys) {
        Fallback<V> fallback = fallbacks.get(key);
        if (fallback != null && now - fallback.entry().staleIfErrorUntil() < 0) {
          observers.staleServed("error");
          settle(key, claimed.get(key), new Resolved<>(fallback.entry(), fallback.tier(), true));
        } else {
          fail(key, claimed.get(key), e);
        }
      }
      return;
    }
    long now = ticker.read();
    loadSuccesses.increment();
    loadNanos.add(now - start);
    observers.load(true, now - start);
    Map<K, CacheEntry<V>> toStore = new LinkedHashMap<>();
    Map<K, Resolved<V>> answers = new LinkedHashMap<>();
    for (K key : keys) {
      V value = values.get(key);
      CacheEntry<V> entry =
          toEntry(key, value == null ? Loaded.notFound() : Loaded.of(value), null, now, start);
      if (entry == null) {
        answers.put(key, Resolved.miss());
        continue;
      }
      answers.put(key, new Resolved<>(entry, null, false));
      if (entry.retainUntil() - now > 0 && stamps.unchanged(key, seen.get(key)[0], epoch)) {
        toStore.put(key, entry);
      }
    }
    boolean shared = true;
    for (int level = lower.size() - 1; level >= 0; level--) {
      shared &= lower.get(level).putAll(toStore);
    }
    boolean fillLocal = shared;
    toStore.forEach(
        (key, entry) -> {
          if (fillLocal && admitLocally(key)) {
            long stamp = seen.get(key)[0];
            local.putIf(key, entry, () -> stamps.mayFillLocal(key, stamp, epoch));
          }
        });
    answers.forEach((key, resolved) -> settle(key, claimed.get(key), resolved));
  }

  private void settle(K key, CompletableFuture<Resolved<V>> mine, Resolved<V> resolved) {
    inflight.remove(key, mine);
    mine.complete(resolved);
  }

  private void fail(K key, CompletableFuture<Resolved<V>> mine, Throwable error) {
    inflight.remove(key, mine);
    mine.completeExceptionally(error);
  }

  /**
   * Turns what the loader said into an entry, or null when there is nothing to remember (not
   * found, without a negative TTL). An entry whose lifetime is zero is returned but not stored.
   */
  private @Nullable CacheEntry<V> toEntry(
      K key, Loaded<V> loaded, @Nullable CacheEntry<V> previous, long now, long start) {
    V value = loaded.value();
    CacheEntry<V> source = previous;
    if (loaded.isNotModified() && previous != null && previous.value() != null) {
      value = previous.value();
    } else {
      source = null;
    }
    if (value == null) {
      Duration negativeTtl = settings.negativeTtl();
      return negativeTtl == null
          ? null
          : CacheEntry.<V>negative(now, now + negativeTtl.toNanos()).loadNanos(now - start).build();
    }
    Duration ttl = loaded.ttl();
    if (ttl == null) {
      ttl =
          Objects.requireNonNull(
              settings.ttlPolicy().ttl(key, value, loaded.ttlHint()),
              "the TtlPolicy returned null");
    }
    long ttlNanos = Math.max(0, saturatedNanos(ttl));
    long expiresAt = now + ttlNanos;
    CacheEntry.Builder<V> builder = CacheEntry.builder(value, now, expiresAt);
    if (ttlNanos > 0) {
      Duration swr = loaded.staleWhileRevalidate();
      Duration sie = loaded.staleIfError();
      builder
          .staleWhileRevalidateUntil(
              expiresAt + saturatedNanos(swr == null ? settings.staleWhileRevalidate() : swr))
          .staleIfErrorUntil(
              expiresAt + saturatedNanos(sie == null ? settings.staleIfError() : sie));
    }
    Duration revalidate = loaded.revalidateWithin();
    if (revalidate == null && source != null && source.revalidateUntil() - source.expiresAt() > 0) {
      // A "not modified" that says nothing keeps the window the entry had.
      revalidate = Duration.ofNanos(source.revalidateUntil() - source.expiresAt());
    }
    if (revalidate != null) {
      builder.revalidateUntil(expiresAt + saturatedNanos(revalidate));
    }
    return builder
        .loadNanos(now - start)
        .contentType(
            loaded.contentType() != null || source == null
                ? loaded.contentType()
                : source.contentType())
        .etag(loaded.etag() != null || source == null ? loaded.etag() : source.etag())
        .lastModified(
            loaded.lastModified() != null || source == null
                ? loaded.lastModified()
                : source.lastModified())
        .build();
  }

  // ---------------------------------------------------------------- freshness

  private void maybeRefreshAhead(K key, CacheEntry<V> entry, long now, Loader<K, V> loader) {
    RefreshAhead policy = refreshAhead;
    if (policy != null
        && !entry.isNegative()
        && policy.shouldRefresh(entry, now, 1.0 - ThreadLocalRandom.current().nextDouble())
        && !inflight.containsKey(key)) {
      refreshInBackground(key, entry, LocalTier.NAME, loader);
    }
  }

  /** Reloads {@code key} on the executor unless a load of it is already under way. */
  private CompletableFuture<Resolved<V>> refreshInBackground(
      K key, @Nullable CacheEntry<V> previous, String previousTier, Loader<K, V> loader) {
    CompletableFuture<Resolved<V>> mine = new CompletableFuture<>();
    CompletableFuture<Resolved<V>> existing = inflight.putIfAbsent(key, mine);
    if (existing != null) {
      return existing;
    }
    Fallback<V> fallback = previous == null ? null : new Fallback<>(previous, previousTier);
    execute(
        () -> {
          long stamp = stamps.stamp(key);
          long epoch = stamps.epoch();
          try {
            Resolved<V> resolved = load(key, loader, fallback, stamp, epoch);
            observers.refresh(!resolved.stale());
            settle(key, mine, resolved);
          } catch (Throwable e) {
            observers.refresh(false);
            LOG.debug("Background reload of a key in cache '{}' failed", name, e);
            fail(key, mine, e);
          }
        },
        key,
        mine);
    return mine;
  }

  private void execute(Runnable task, K key, CompletableFuture<Resolved<V>> mine) {
    try {
      executor.execute(task);
    } catch (RuntimeException e) {
      fail(key, mine, e);
    }
  }

  /**
   * Applies the soft and hard load timeouts to a shared load. Returns a future of its own, so that
   * neither a timeout nor a caller's cancellation ever touches the shared one.
   */
  private CompletableFuture<Resolved<V>> awaitWithTimeouts(
      CompletableFuture<Resolved<V>> shared, @Nullable Fallback<V> fallback) {
    CompletableFuture<Resolved<V>> answer = shared.thenApply(resolved -> resolved);
    if (!timedLoads || answer.isDone()) {
      return answer;
    }
    Duration soft = settings.softLoadTimeout();
    Duration hard = settings.hardLoadTimeout();
    List<Future<?>> timers = new ArrayList<>(2);
    if (soft != null && fallback != null) {
      timers.add(
          scheduler.schedule(
              soft,
              () -> {
                if (answer.complete(new Resolved<>(fallback.entry(), fallback.tier(), true))) {
                  observers.staleServed("timeout");
                }
              }));
    }
    if (hard != null) {
      timers.add(
          scheduler.schedule(
              hard,
              () -> {
                if (fallback != null
                    && ticker.read() - fallback.entry().staleIfErrorUntil() < 0
                    && answer.complete(new Resolved<>(fallback.entry(), fallback.tier(), true))) {
                  observers.staleServed("timeout");
                } else {
                  answer.completeExceptionally(
                      new TimeoutException(
                          "a load in cache '" + name + "' exceeded the hard timeout of " + hard
                              + "; it goes on in the background"));
                }
              }));
    }
    answer.whenComplete((resolved, error) -> timers.forEach(timer -> timer.cancel(false)));
    return answer;
  }

  // ---------------------------------------------------------------- writes

  @Override
  public void put(K key, V value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    write(key, value, null);
  }

  @Override
  public void put(K key, V value, Duration ttl) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl must be positive, but was " + ttl);
    }
    write(key, value, ttl);
  }

  private void write(K key, V value, @Nullable Duration ttl) {
    requireOpen();
    Writer<K, V> writer = settings.writer();
    if (writer != null) {
      callWriter(() -> writer.write(key, value));
    }
    long now = ticker.read();
    Loaded<V> loaded = ttl == null ? Loaded.of(value) : Loaded.builder(value).ttl(ttl).build();
    CacheEntry<V> entry = Objects.requireNonNull(toEntry(key, loaded, null, now, now));
    puts.increment();
    stamps.bump(key);
    // An invalidation that arrives while the lower tiers are written (another instance wrote
    // after this one) must win over this value in the local tier.
    long stamp = stamps.stamp(key);
    long epoch = stamps.epoch();
    if (entry.retainUntil() - now <= 0) {
      invalidateTiers(key);
      return;
    }
    boolean shared = true;
    for (int level = lower.size() - 1; level >= 0; level--) {
      shared &= lower.get(level).put(key, entry);
    }
    if (!shared) {
      // Other instances keep reading the lower tier's value: this one must not serve another.
      local.invalidate(key);
      return;
    }
    // Checked inside the local tier's compute: an invalidation or suspension mid-write wins.
    local.putIf(key, entry, () -> stamps.mayFillLocal(key, stamp, epoch));
  }

  @Override
  public void putAll(Map<? extends K, ? extends V> map) {
    Objects.requireNonNull(map, "map");
    requireOpen();
    Writer<K, V> writer = settings.writer();
    long now = ticker.read();
    Map<K, CacheEntry<V>> entries = new LinkedHashMap<>();
    for (Map.Entry<? extends K, ? extends V> mapping : map.entrySet()) {
      K key = Objects.requireNonNull(mapping.getKey(), "map contains a null key");
      V value = Objects.requireNonNull(mapping.getValue(), "map contains a null value");
      entries.put(key, Objects.requireNonNull(toEntry(key, Loaded.of(value), null, now, now)));
    }
    if (writer != null) {
      for (Map.Entry<K, CacheEntry<V>> mapping : entries.entrySet()) {
        callWriter(
            () -> writer.write(mapping.getKey(), Objects.requireNonNull(mapping.getValue().value())));
      }
    }
    puts.add(entries.size());
    Map<K, Long> seen = new HashMap<>();
    for (K key : entries.keySet()) {
      stamps.bump(key);
      seen.put(key, stamps.stamp(key));
    }
    long epoch = stamps.epoch();
    Map<K, CacheEntry<V>> storable = new LinkedHashMap<>();
    entries.forEach(
        (key, entry) -> {
          if (entry.retainUntil() - now > 0) {
            storable.put(key, entry);
          } else {
            invalidateTiers(key);
          }
        });
    boolean shared = true;
    for (int level = lower.size() - 1; level >= 0; level--) {
      shared &= lower.get(level).putAll(storable);
    }
    if (!shared) {
      storable.keySet().forEach(local::invalidate);
      return;
    }
    storable.forEach(
        (key, entry) -> {
          long stamp = seen.get(key);
          local.putIf(key, entry, () -> stamps.mayFillLocal(key, stamp, epoch));
        });
  }

  @Override
  public void invalidate(K key) {
    Objects.requireNonNull(key, "key");
    requireOpen();
    Writer<K, V> writer = settings.writer();
    if (writer != null) {
      callWriter(() -> writer.delete(key));
    }
    invalidateTiers(key);
  }

  /** Calls the writer; its runtime exceptions pass unchanged, checked ones are wrapped. */
  private static void callWriter(WriterCall call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new CompletionException(e);
    }
  }

  @FunctionalInterface
  private interface WriterCall {
    void run() throws Exception;
  }

  private void invalidateTiers(K key) {
    stamps.bump(key);
    for (int level = lower.size() - 1; level >= 0; level--) {
      lower.get(level).invalidate(key);
    }
    local.invalidate(key);
  }

  @Override
  public void invalidateAll() {
    requireOpen();
    stamps.bumpEpoch();
    for (int level = lower.size() - 1; level >= 0; level--) {
      lower.get(level).invalidateAll();
    }
    local.invalidateAll();
  }

  // ---------------------------------------------------------------- the rest

  @Override
  public CacheStats stats() {
    return new CacheStats(
        localHits.sum() + hits.sum(),
        misses.sum(),
        loadSuccesses.sum(),
        loadFailures.sum(),
        loadNanos.sum(),
        local.evictionCount(),
        puts.sum());
  }

  @Override
  public Advanced<K, V> advanced() {
    return this;
  }

  @Override
  public List<String> tierNames() {
    List<String> names = new ArrayList<>(lower.size() + 1);
    names.add(LocalTier.NAME);
    lower.forEach(tier -> names.add(tier.name()));
    return List.copyOf(names);
  }

  @Override
  public Map<String, TierHealth> health() {
    Map<String, TierHealth> health = new LinkedHashMap<>();
    health.put(LocalTier.NAME, TierHealth.up());
    lower.forEach(tier -> health.put(tier.name(), tier.health()));
    return health;
  }

  @Override
  public long estimatedLocalSize() {
    return local.estimatedSize();
  }

  @Override
  public long localHitCount() {
    return localHits.sum();
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
    return refreshInBackground(key, current, LocalTier.NAME, loader)
        .thenApply(Resolved::value);
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
    for (int level = lower.size() - 1; level >= 0; level--) {
      lower.get(level).close();
    }
    local.invalidateAll();
  }

  /** Runs the local tier's pending maintenance; for tests. */
  public void cleanUp() {
    local.cleanUp();
  }

  @Override
  public String toString() {
    return "MultiLevelCache{name=" + name + ", tiers=" + tierNames() + '}';
  }

  private void countRead(K key) {
    Cache<K, AtomicInteger> counts = readCounts;
    if (counts != null) {
      counts.get(key, k -> new AtomicInteger()).incrementAndGet();
    }
  }

  private boolean admitLocally(K key) {
    Cache<K, AtomicInteger> counts = readCounts;
    if (counts == null) {
      return true;
    }
    AtomicInteger reads = counts.getIfPresent(key);
    return reads != null && reads.get() >= settings.localAdmissionReads();
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

  private static long saturatedNanos(Duration duration) {
    try {
      return duration.toNanos();
    } catch (ArithmeticException e) {
      return duration.isNegative() ? Long.MIN_VALUE / 4 : Long.MAX_VALUE / 4;
    }
  }

  /** Waits for a read; rethrows a loader's unchecked exception as it was thrown. */
  private static <V> Resolved<V> join(CompletableFuture<Resolved<V>> future) {
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

  /**
   * The answer to a read: the entry (null when absent), which tier served it, whether it is stale,
   * and whether the leader must start a background reload once it has released its claim.
   */
  record Resolved<V>(
      @Nullable CacheEntry<V> entry, @Nullable String tier, boolean stale, boolean revalidate) {
    private static final Resolved<?> MISS = new Resolved<>(null, null, false);

    Resolved(@Nullable CacheEntry<V> entry, @Nullable String tier, boolean stale) {
      this(entry, tier, stale, false);
    }

    @SuppressWarnings("unchecked")
    static <V> Resolved<V> miss() {
      return (Resolved<V>) MISS;
    }

    @Nullable V value() {
      CacheEntry<V> e = entry;
      return e == null ? null : e.value();
    }
  }

  /** An expired entry kept at hand for stale-if-error and the soft timeout. */
  record Fallback<V>(CacheEntry<V> entry, String tier) {}

  /** What each lower tier receives from its cache. */
  private final class Context implements TierContext<K>, InvalidationSink<K> {
    private final int level;
    private final java.util.concurrent.atomic.AtomicBoolean suspended =
        new java.util.concurrent.atomic.AtomicBoolean();

    Context(int level) {
      this.level = level;
    }

    @Override
    public String cacheName() {
      return name;
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
      List<GuardedTier<K, V>> tiers = lower;
      return tiers != null && tiers.size() >= level ? tiers.get(level - 1).name() : "tier" + level;
    }

    @Override
    public void invalidate(Collection<? extends K> keys) {
      List<GuardedTier<K, V>> tiers = lower == null ? List.of() : lower;
      for (K key : keys) {
        stamps.bump(key);
        for (int above = Math.min(level, tiers.size() + 1) - 2; above >= 0; above--) {
          tiers.get(above).invalidate(key);
        }
        local.invalidate(key);
      }
      // Observed once applied, so an observer timing propagation sees the copies gone.
      observers.invalidationReceived(tierName(), keys.size());
    }

    @Override
    public void suspend(String reason) {
      if (suspended.compareAndSet(false, true)) {
        stamps.suspend();
        LOG.debug(
            "Cache '{}': the local tier stays empty until '{}' hears changes again ({})",
            name,
            tierName(),
            reason);
      }
      flush(reason);
    }

    @Override
    public void resume() {
      if (suspended.compareAndSet(true, false)) {
        stamps.resume();
        LOG.debug("Cache '{}': the local tier fills again ('{}' hears changes)", name, tierName());
      }
    }

    @Override
    public void invalidateAll(String reason) {
      flush(reason);
      LOG.info("Cache '{}': flushed the tiers above '{}' ({})", name, tierName(), reason);
    }

    private void flush(String reason) {
      stamps.bumpEpoch();
      List<GuardedTier<K, V>> tiers = lower == null ? List.of() : lower;
      for (int above = Math.min(level, tiers.size() + 1) - 2; above >= 0; above--) {
        tiers.get(above).invalidateAll();
      }
      local.invalidateAll();
      observers.flush(tierName(), reason);
    }
  }
}
