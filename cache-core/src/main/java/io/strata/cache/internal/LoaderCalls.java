package io.strata.cache.internal;

import io.strata.cache.CacheEntry;
import io.strata.cache.Loaded;
import io.strata.cache.Loader;
import io.strata.cache.Ticker;
import io.strata.cache.internal.FillGuard.Fill;
import io.strata.cache.internal.InvalidationStamps.Ticket;
import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Calls the user's loader for keys no tier had fresh, and turns each answer into what the caller
 * gets and what the tiers keep. One key or many, the per-key rules are the same: a "not modified"
 * keeps the previous value, a failure answers with the previous value while its stale-if-error
 * window lasts, "not found" after a previous value means the source lost the key (every tier
 * forgets it), and storage follows {@link Loaded#storage()}. Thread-safe.
 */
final class LoaderCalls<K, V> {

  /** How a loader answers many keys, from what its class overrides (as Caffeine decides). */
  private enum Bulk {
    /** Neither bulk method: one call per key, exactly as {@code get} makes it. */
    PER_KEY,
    /** {@link Loader#loadAllEntries}: one call, with each key's hints. */
    ENTRIES,
    /** Only {@link Loader#loadAll}: one call, plain values. */
    VALUES;

    static Bulk of(Loader<?, ?> loader) {
      Class<?> type = loader.getClass();
      return overrides(type, "loadAllEntries")
          ? ENTRIES
          : overrides(type, "loadAll") ? VALUES : PER_KEY;
    }
  }

  private final Ticker ticker;
  private final EntryFactory<K, V> entries;
  private final FillGuard<K, V> guard;
  private final CacheCounters counters;
  private final ObserverChain observers;
  private final Consumer<K> forget;
  private final @Nullable Loader<K, V> configured;
  private final Bulk configuredBulk;

  /**
   * @param configured the cache's own loader, the one bulk reads use: how it answers many keys is
   *     looked up once, here
   */
  LoaderCalls(
      @Nullable Loader<K, V> configured,
      Ticker ticker,
      EntryFactory<K, V> entries,
      FillGuard<K, V> guard,
      CacheCounters counters,
      ObserverChain observers,
      Consumer<K> forget) {
    this.ticker = ticker;
    this.entries = entries;
    this.guard = guard;
    this.counters = counters;
    this.observers = observers;
    this.forget = forget;
    this.configured = configured;
    this.configuredBulk = configured == null ? Bulk.PER_KEY : Bulk.of(configured);
  }

  /** What became of one key: its answer, or (only then) the failure every waiter gets. */
  record Outcome<V>(@Nullable Resolved<V> resolved, @Nullable Throwable error) {}

  /**
   * Loads {@code keys}: one {@link Loader#reload}/{@link Loader#loadEntry} per key, or, for a
   * bulk read ({@code together}) and a loader that answers many keys at once, one bulk call. The
   * outcomes go to {@code known} as soon as all are known, before what loaded is stored (under
   * {@code leases}; the caller gives back the leases left over): callers waiting for the load
   * need not wait for a remote tier's write. Never throws; a failure is an outcome.
   */
  Map<K, Outcome<V>> load(
      Set<K> keys,
      boolean together,
      Loader<K, V> loader,
      Map<K, Fallback<V>> fallbacks,
      Map<K, Ticket> tickets,
      LoadLeases<K, V> leases,
      BiConsumer<K, Outcome<V>> known) {
    Map<K, Outcome<V>> outcomes = new LinkedHashMap<>();
    Map<K, Fill<V>> fills = new LinkedHashMap<>();
    Bulk bulk = loader == configured ? configuredBulk : Bulk.of(loader);
    if (together && bulk != Bulk.PER_KEY) {
      loadTogether(keys, loader, bulk, fallbacks, tickets, outcomes, fills);
    } else {
      for (K key : keys) {
        outcomes.put(key, loadOne(key, loader, fallbacks.get(key), tickets.get(key), fills));
      }
    }
    outcomes.forEach(known);
    guard.storeLoaded(fills, ticker.read(), leases);
    return outcomes;
  }

  private Outcome<V> loadOne(
      K key, Loader<K, V> loader, @Nullable Fallback<V> fallback, Ticket ticket, Map<K, Fill<V>> fills) {
    long start = ticker.read();
    Loaded<V> loaded;
    try {
      loaded =
          Objects.requireNonNull(
              fallback == null ? loader.loadEntry(key) : loader.reload(key, fallback.entry()),
              "the loader returned a null Loaded; return Loaded.notFound() for a missing key");
    } catch (Exception | Error e) {
      long now = failed(start);
      return staleOrError(fallback, e, now);
    }
    long now = succeeded(start);
    return new Outcome<>(answer(key, loaded, fallback, ticket, now, start, fills), null);
  }

  private void loadTogether(
      Set<K> keys,
      Loader<K, V> loader,
      Bulk bulk,
      Map<K, Fallback<V>> fallbacks,
      Map<K, Ticket> tickets,
      Map<K, Outcome<V>> outcomes,
      Map<K, Fill<V>> fills) {
    long start = ticker.read();
    Map<K, Loaded<V>> answers;
    try {
      answers = callBulk(keys, loader, bulk);
    } catch (Exception | Error e) {
      long now = failed(start);
      for (K key : keys) {
        outcomes.put(key, staleOrError(fallbacks.get(key), e, now));
      }
      return;
    }
    long now = succeeded(start);
    for (K key : keys) {
      Loaded<V> loaded = answers.get(key);
      Resolved<V> resolved =
          answer(
              key,
              loaded == null ? Loaded.notFound() : loaded,
              fallbacks.get(key),
              tickets.get(key),
              now,
              start,
              fills);
      outcomes.put(key, new Outcome<>(resolved, null));
    }
  }

  private Map<K, Loaded<V>> callBulk(Set<K> keys, Loader<K, V> loader, Bulk bulk)
      throws Exception {
    if (bulk == Bulk.ENTRIES) {
      return Objects.requireNonNull(
          loader.loadAllEntries(keys), "the loader's loadAllEntries returned null");
    }
    Map<K, V> values =
        Objects.requireNonNull(loader.loadAll(keys), "the loader's loadAll returned null");
    Map<K, Loaded<V>> answers = new LinkedHashMap<>();
    values.forEach(
        (key, value) -> {
          if (value != null) {
            answers.put(key, Loaded.of(value));
          }
        });
    return answers;
  }

  /** Turns one key's answer into its result, and queues what may be stored. */
  private Resolved<V> answer(
      K key,
      Loaded<V> loaded,
      @Nullable Fallback<V> fallback,
      Ticket ticket,
      long now,
      long start,
      Map<K, Fill<V>> fills) {
    CacheEntry<V> entry =
        entries.fromLoad(key, loaded, fallback == null ? null : fallback.entry(), now, start);
    if (entry == null || loaded.storage() == Loaded.Storage.NOWHERE) {
      if (fallback != null) {
        // The source no longer has the key, or no longer lets it be kept: the expired copy must
        // not be served again, from any tier.
        forget.accept(key);
      }
      return entry == null ? Resolved.miss() : Resolved.fresh(entry, null);
    }
    fills.put(key, new Fill<>(entry, loaded.storage(), ticket));
    return Resolved.fresh(entry, null);
  }

  private Outcome<V> staleOrError(@Nullable Fallback<V> fallback, Throwable error, long now) {
    if (fallback != null && fallback.servableAt(now)) {
      observers.staleServed("error");
      return new Outcome<>(Resolved.staleAfter(fallback.entry(), fallback.tier(), error), null);
    }
    return new Outcome<>(null, error);
  }

  private long succeeded(long start) {
    long now = ticker.read();
    counters.loadSuccesses.increment();
    counters.loadNanos.add(now - start);
    observers.load(true, now - start);
    return now;
  }

  private long failed(long start) {
    long now = ticker.read();
    counters.loadFailures.increment();
    counters.loadNanos.add(now - start);
    observers.load(false, now - start);
    return now;
  }

  private static boolean overrides(Class<?> type, String method) {
    try {
      Method found = type.getMethod(method, Set.class);
      return found.getDeclaringClass() != Loader.class;
    } catch (NoSuchMethodException e) {
      throw new AssertionError("every Loader has " + method, e);
    }
  }
}
