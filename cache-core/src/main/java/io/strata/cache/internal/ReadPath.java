package io.strata.cache.internal;

import io.strata.cache.CacheEntry;
import io.strata.cache.Loader;
import io.strata.cache.RefreshAhead;
import io.strata.cache.Ticker;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * Reads that the local tier could not answer fresh on its own, single and bulk: serving a local
 * entry within its stale-while-revalidate window, refresh-ahead, the fallback kept for
 * stale-if-error and the timeouts, claiming or joining the load, and counting the answer. A bulk
 * read is this, key by key, with the keys that miss led together. The caller has checked its
 * arguments and that the cache is open. Thread-safe.
 */
final class ReadPath<K, V> {

  private final Ticker ticker;
  private final @Nullable RefreshAhead refreshAhead;
  private final LocalTier<K, V> local;
  private final LocalAdmission<K> admission;
  private final TierWalk<K, V> walk;
  private final LoadCoordinator<K, V> loads;
  private final CacheCounters counters;
  private final ObserverChain observers;

  ReadPath(
      Ticker ticker,
      @Nullable RefreshAhead refreshAhead,
      LocalTier<K, V> local,
      LocalAdmission<K> admission,
      TierWalk<K, V> walk,
      LoadCoordinator<K, V> loads,
      CacheCounters counters,
      ObserverChain observers) {
    this.ticker = ticker;
    this.refreshAhead = refreshAhead;
    this.local = local;
    this.admission = admission;
    this.walk = walk;
    this.loads = loads;
    this.counters = counters;
    this.observers = observers;
  }

  /**
   * The bulk read: each key is read as {@code get} reads it (local hit, stale-while-revalidate,
   * refresh-ahead, fallbacks, timeouts), and the keys that miss the local tier are claimed and led
   * together, with one walk per tier and one load.
   */
  Map<K, CompletableFuture<Resolved<V>>> readAll(
      List<K> keys, Loader<K, V> loader, boolean async) {
    Map<K, CompletableFuture<Resolved<V>>> answers = new HashMap<>(keys.size() * 2);
    Map<K, Fallback<V>> fallbacks = new HashMap<>();
    List<K> missing = new ArrayList<>();
    long now = ticker.read();
    for (K key : keys) {
      CacheEntry<V> entry = local.get(key);
      if (entry != null && entry.isFresh(now)) {
        localHit();
        maybeRefreshAhead(key, entry, now, loader);
        answers.put(key, CompletableFuture.completedFuture(Resolved.fresh(entry, LocalTier.NAME)));
      } else if (servesWhileRevalidating(entry, now)) {
        answers.put(key, CompletableFuture.completedFuture(revalidate(key, entry, loader)));
      } else {
        Fallback<V> fallback = localMiss(key, entry);
        if (fallback != null) {
          fallbacks.put(key, fallback);
        }
        missing.add(key);
      }
    }
    if (!missing.isEmpty()) {
      boolean inline = !async && !loads.timed();
      loads
          .claimOrJoinAll(missing, loader, fallbacks, inline)
          .forEach(
              (key, claim) -> answers.put(key, counted(loads.await(key, claim, fallbacks.get(key)))));
    }
    return answers;
  }

  /** {@code getAll} for a cache without a loader: what the tiers have, nothing loaded. */
  Map<K, V> getAllPresent(List<K> keys) {
    Map<K, V> result = new LinkedHashMap<>();
    List<K> missing = new ArrayList<>();
    long now = ticker.read();
    for (K key : keys) {
      CacheEntry<V> entry = local.get(key);
      if (entry != null && entry.isFresh(now)) {
        localHit();
        if (entry.value() != null) {
          result.put(key, entry.value());
        }
      } else {
        observers.tierMiss(LocalTier.NAME);
        missing.add(key);
      }
    }
    // A load answered and storing its value is as current as the local tier would be.
    Map<K, Resolved<V>> found = new HashMap<>();
    for (K key : missing) {
      Resolved<V> answered = loads.answered(key);
      if (answered != null) {
        found.put(key, answered);
      }
    }
    if (found.size() < missing.size()) {
      List<K> toWalk = new ArrayList<>(missing);
      toWalk.removeAll(found.keySet());
      found.putAll(walk.forPeek(toWalk));
    }
    counters.hits.add(found.size());
    counters.misses.add(missing.size() - found.size());
    Map<K, V> ordered = new LinkedHashMap<>();
    for (K key : keys) {
      Resolved<V> resolved = found.get(key);
      V value = resolved == null ? result.get(key) : resolved.value();
      if (value != null) {
        ordered.put(key, value);
      }
    }
    return ordered;
  }

  /**
   * The slow path of a single read: the local tier had nothing fresh. A synchronous caller leads
   * a load on its own thread ({@code inline}) unless load timeouts need it free to stop waiting.
   */
  CompletableFuture<Resolved<V>> read(
      K key, Loader<K, V> loader, @Nullable CacheEntry<V> localEntry, long now, boolean inline) {
    if (servesWhileRevalidating(localEntry, now)) {
      return CompletableFuture.completedFuture(revalidate(key, localEntry, loader));
    }
    Fallback<V> fallback = localMiss(key, localEntry);
    LoadCoordinator.Claim<V> claim =
        loads.claimOrJoin(key, loader, fallback, inline && !loads.timed());
    return counted(loads.await(key, claim, fallback));
  }

  /**
   * {@link #read} for a caller that waits for the answer on its own thread. Without load timeouts
   * it joins the shared load itself (joining cannot cancel it) and counts the answer here: a
   * per-caller stage would make the leader run one stage per waiter before waking the next, and a
   * cold key with a thousand waiters would wait for that queue.
   */
  Resolved<V> readAndWait(
      K key, Loader<K, V> loader, @Nullable CacheEntry<V> localEntry, long now) {
    if (loads.timed() || servesWhileRevalidating(localEntry, now)) {
      return DefaultMultiLevelCache.join(read(key, loader, localEntry, now, true));
    }
    Fallback<V> fallback = localMiss(key, localEntry);
    Resolved<V> resolved;
    try {
      resolved = DefaultMultiLevelCache.join(loads.claimOrJoin(key, loader, fallback, true));
    } catch (RuntimeException | Error e) {
      counters.misses.increment();
      throw e;
    }
    counters.answered(resolved);
    return resolved;
  }

  private boolean servesWhileRevalidating(@Nullable CacheEntry<V> localEntry, long now) {
    return localEntry != null && now - localEntry.staleWhileRevalidateUntil() < 0;
  }

  /** Answers with the local entry past its expiry and reloads it in the background. */
  private Resolved<V> revalidate(K key, CacheEntry<V> localEntry, Loader<K, V> loader) {
    counters.hits.increment();
    observers.staleServed("revalidate");
    loads.refresh(key, localEntry, LocalTier.NAME, loader, true);
    return Resolved.stale(localEntry, LocalTier.NAME);
  }

  /** Records a local miss; returns the expired local entry as the fallback, if there is one. */
  private @Nullable Fallback<V> localMiss(K key, @Nullable CacheEntry<V> localEntry) {
    observers.tierMiss(LocalTier.NAME);
    admission.missed(key);
    return localEntry == null ? null : new Fallback<>(localEntry, LocalTier.NAME);
  }

  /** Counts the answer as a hit or a miss once it arrives. */
  private CompletableFuture<Resolved<V>> counted(CompletableFuture<Resolved<V>> answer) {
    return answer.whenComplete(
        (resolved, error) -> {
          if (resolved != null) {
            counters.answered(resolved);
          } else {
            counters.misses.increment();
          }
        });
  }

  void localHit() {
    counters.localHits.increment();
    observers.tierHit(LocalTier.NAME);
  }

  void maybeRefreshAhead(K key, CacheEntry<V> entry, long now, Loader<K, V> loader) {
    RefreshAhead policy = refreshAhead;
    if (policy != null
        && !entry.isNegative()
        && policy.shouldRefresh(entry, now, 1.0 - ThreadLocalRandom.current().nextDouble())) {
      loads.refresh(key, entry, LocalTier.NAME, loader, true);
    }
  }
}
