package io.strata.cache.internal;

import io.strata.cache.CacheEntry;
import io.strata.cache.Loader;
import io.strata.cache.Scheduler;
import io.strata.cache.Ticker;
import io.strata.cache.internal.InvalidationStamps.Ticket;
import io.strata.cache.internal.LoaderCalls.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Coordinates the loads of one cache: at most one load per key at a time, joined by every
 * concurrent reader of the key. A caller claims a key or joins its claim; the leader walks the
 * lower tiers ({@link TierWalk}), loads what they lack ({@link LoaderCalls}) and settles each
 * key's shared future. Single reads, bulk reads, refreshes and revalidations all claim here.
 *
 * <p>A claim ends when its load settles, when the key changes ({@link #detach}: a caller after an
 * invalidation must not join a load that began before it), or when the hard timeout gives up on
 * it. No user code runs inside a map computation, so a slow load of one key never blocks another.
 * Thread-safe.
 */
final class LoadCoordinator<K, V> {

  private static final Logger LOG = LoggerFactory.getLogger(LoadCoordinator.class);

  private final String name;
  private final Executor executor;
  private final Scheduler scheduler;
  private final Ticker ticker;
  private final @Nullable Duration softTimeout;
  private final @Nullable Duration hardTimeout;
  private final FillGuard<K, V> guard;
  private final TierWalk<K, V> walk;
  private final LoaderCalls<K, V> calls;
  private final ObserverChain observers;
  private final ConcurrentHashMap<K, Claim<V>> inflight = new ConcurrentHashMap<>();

  LoadCoordinator(
      CacheSettings<K, V> settings,
      FillGuard<K, V> guard,
      TierWalk<K, V> walk,
      LoaderCalls<K, V> calls,
      ObserverChain observers) {
    this.name = settings.name();
    this.executor = settings.executor();
    this.scheduler = settings.scheduler();
    this.ticker = settings.ticker();
    this.softTimeout = settings.softLoadTimeout();
    this.hardTimeout = settings.hardLoadTimeout();
    this.guard = guard;
    this.walk = walk;
    this.calls = calls;
    this.observers = observers;
  }

  /**
   * The shared future of one key's load, answered as soon as the load's value is known (before
   * the load stores it below); the thread leading it; the expired entry its walk of the tiers
   * found (null for none), which the timeouts of every waiter may answer with; and {@code stored},
   * complete once the load has stored what it found and its claim has ended.
   */
  static final class Claim<V> extends CompletableFuture<Resolved<V>> {
    volatile @Nullable Thread leader;
    final CompletableFuture<@Nullable Fallback<V>> walked = new CompletableFuture<>();
    final CompletableFuture<Void> stored = new CompletableFuture<>();
    /** The caller that started the load: it is answered after the store, as it reads its own load. */
    final Thread starter = Thread.currentThread();
  }

  /** Returns whether reads must wait on their own futures, to be let go at a timeout. */
  boolean timed() {
    return softTimeout != null || hardTimeout != null;
  }

  /**
   * Joins the load of {@code key} under way, or starts one, led on this thread when {@code inline}
   * and on the executor otherwise.
   *
   * @throws IllegalStateException if this thread is leading the load of {@code key}: its loader
   *     asked the cache for the key it is loading
   */
  Claim<V> claimOrJoin(K key, Loader<K, V> loader, @Nullable Fallback<V> fallback, boolean inline) {
    Claim<V> mine = new Claim<>();
    Claim<V> existing = claim(key, mine);
    if (existing != null) {
      return join(key, existing);
    }
    Map<K, Fallback<V>> fallbacks = new HashMap<>(2);
    if (fallback != null) {
      fallbacks.put(key, fallback);
    }
    start(Map.of(key, mine), false, loader, fallbacks, inline);
    return mine;
  }

  /**
   * {@link #claimOrJoin} for many keys, led together: one walk per tier and one load for all the
   * keys claimed here.
   */
  Map<K, Claim<V>> claimOrJoinAll(
      List<K> keys, Loader<K, V> loader, Map<K, Fallback<V>> fallbacks, boolean inline) {
    Map<K, Claim<V>> all = new LinkedHashMap<>();
    Map<K, Claim<V>> claimed = new LinkedHashMap<>();
    try {
      for (K key : keys) {
        Claim<V> mine = new Claim<>();
        Claim<V> existing = claim(key, mine);
        if (existing == null) {
          claimed.put(key, mine);
          all.put(key, mine);
        } else {
          all.put(key, join(key, existing));
        }
      }
    } catch (RuntimeException | Error e) {
      // Recursion found midway: what this call claimed must not stay claimed.
      claimed.forEach((key, mine) -> fail(key, mine, e));
      throw e;
    }
    if (!claimed.isEmpty()) {
      start(claimed, true, loader, new HashMap<>(fallbacks), inline);
    }
    return all;
  }

  /**
   * Reloads {@code key} in the background (refresh-ahead, stale-while-revalidate, {@code
   * refresh}) unless a load of it is under way, whose future is then returned; the future of a
   * reload started here completes once its value is stored. A reload the cache
   * started itself ({@code background}) is left to another instance that holds the key's lease in
   * a shared tier: one refresh per key across the fleet; the future then answers {@code previous}.
   */
  CompletableFuture<Resolved<V>> refresh(
      K key,
      @Nullable CacheEntry<V> previous,
      String previousTier,
      Loader<K, V> loader,
      boolean background) {
    Claim<V> mine = new Claim<>();
    Claim<V> existing = claim(key, mine);
    if (existing != null) {
      return existing;
    }
    Map<K, Fallback<V>> fallbacks = new HashMap<>(2);
    if (previous != null) {
      fallbacks.put(key, new Fallback<>(previous, previousTier));
    }
    mine.walked.complete(fallbacks.get(key));
    execute(
        () -> {
          mine.leader = Thread.currentThread();
          try {
            Ticket ticket = guard.ticket(key);
            LoadLeases<K, V> leases = walk.leaseForRefresh(key);
            try {
              if (background && previous != null && leases.heldElsewhere(key)) {
                settle(key, mine, Resolved.stale(previous, previousTier));
                return;
              }
              Outcome<V> outcome =
                  calls
                      .load(
                          Set.of(key),
                          false,
                          loader,
                          fallbacks,
                          Map.of(key, ticket),
                          leases,
                          (k, known) -> answer(mine, known))
                      .get(key);
              Resolved<V> resolved = outcome.resolved();
              observers.refresh(resolved != null && !resolved.stale());
              if (resolved == null) {
                LOG.debug("Background reload of a key in cache '{}' failed", name, outcome.error());
              }
              end(key, mine);
            } finally {
              leases.releaseRest();
            }
          } catch (Throwable e) {
            fail(key, mine, e);
          }
        },
        Map.of(key, mine));
    // The caller that asked for this reload reads what it stored, as the starter of a load does.
    return mine.thenCombine(mine.stored, (resolved, stored) -> resolved);
  }

  /**
   * Claims {@code key} with {@code mine}, or returns the claim to join: one under way, or one
   * answered with an entry still fresh whose load is storing it. A claim answered otherwise (a
   * failure, nothing found, an entry expired since) is replaced.
   */
  private @Nullable Claim<V> claim(K key, Claim<V> mine) {
    while (true) {
      Claim<V> existing = inflight.putIfAbsent(key, mine);
      if (existing == null || !existing.isDone() || answeredFresh(existing) != null) {
        return existing;
      }
      if (inflight.replace(key, existing, mine)) {
        return null;
      }
    }
  }

  /**
   * Returns the fresh entry a load of {@code key} has answered with and is storing, or null: what
   * a peek sees while the load's value is on its way into the tiers.
   */
  @Nullable Resolved<V> answered(K key) {
    Claim<V> claim = inflight.get(key);
    return claim == null || !claim.isDone() ? null : answeredFresh(claim);
  }

  private @Nullable Resolved<V> answeredFresh(Claim<V> claim) {
    if (claim.isCompletedExceptionally()) {
      return null;
    }
    Resolved<V> resolved = claim.join();
    CacheEntry<V> entry = resolved.entry();
    return entry != null && !resolved.stale() && entry.isFresh(ticker.read()) ? resolved : null;
  }

  /** Ends the claim on {@code key}: later callers start a new load. The old one runs on. */
  void detach(K key) {
    inflight.remove(key);
  }

  /** Ends every claim. */
  void detachAll() {
    inflight.clear();
  }

  /**
   * Returns a future of its own for one caller of a shared load, let go at the soft timeout with
   * an expired entry that may be served stale (the caller's own, or the one the load's walk found
   * below, whichever expires later), and at the hard timeout with that entry or a {@link
   * TimeoutException}. Neither a timeout nor a caller's cancellation touches the shared load; the
   * hard timeout also ends its claim, so that the next caller does not wait on it too.
   */
  CompletableFuture<Resolved<V>> await(K key, Claim<V> shared, @Nullable Fallback<V> fallback) {
    CompletableFuture<Resolved<V>> answer =
        shared.starter == Thread.currentThread()
            ? shared.thenCombine(shared.stored, (resolved, stored) -> resolved)
            : shared.thenApply(resolved -> resolved);
    if (!timed() || answer.isDone()) {
      return answer;
    }
    List<Future<?>> timers = new ArrayList<>(2);
    Duration soft = softTimeout;
    if (soft != null) {
      timers.add(
          scheduler.schedule(
              soft,
              () -> {
                if (!answerStale(answer, latest(fallback, shared.walked.getNow(null)))) {
                  // A walk still under way at the deadline may yet find an entry: answer then.
                  shared.walked.thenAccept(found -> answerStale(answer, latest(fallback, found)));
                }
              }));
    }
    Duration hard = hardTimeout;
    if (hard != null) {
      timers.add(
          scheduler.schedule(
              hard,
              () -> {
                inflight.remove(key, shared);
                if (!answerStale(answer, latest(fallback, shared.walked.getNow(null)))) {
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

  private static <V> @Nullable Fallback<V> latest(
      @Nullable Fallback<V> own, @Nullable Fallback<V> found) {
    return own == null ? found : found == null ? own : Fallback.later(own, found);
  }

  private boolean answerStale(CompletableFuture<Resolved<V>> answer, @Nullable Fallback<V> fallback) {
    if (fallback != null
        && fallback.servableAt(ticker.read())
        && answer.complete(Resolved.stale(fallback.entry(), fallback.tier()))) {
      observers.staleServed("timeout");
      return true;
    }
    return false;
  }

  private Claim<V> join(K key, Claim<V> existing) {
    if (existing.leader == Thread.currentThread() && !existing.isDone()) {
      throw new IllegalStateException(
          "recursive load in cache '" + name + "': the loader of key " + key
              + " asked the cache for that same key; load it from the source instead");
    }
    observers.coalescedWait();
    return existing;
  }

  private void start(
      Map<K, Claim<V>> claimed,
      boolean together,
      Loader<K, V> loader,
      Map<K, Fallback<V>> fallbacks,
      boolean inline) {
    Runnable leader = () -> lead(claimed, together, loader, fallbacks);
    if (inline) {
      leader.run();
    } else {
      execute(leader, claimed);
    }
  }

  /** Walks the tiers for the claimed keys, loads what they lack, and settles every claim. */
  private void lead(
      Map<K, Claim<V>> claimed,
      boolean together,
      Loader<K, V> loader,
      Map<K, Fallback<V>> fallbacks) {
    Thread me = Thread.currentThread();
    claimed.values().forEach(claim -> claim.leader = me);
    List<Map.Entry<K, Resolved<V>>> revalidate = new ArrayList<>();
    LoadLeases<K, V> leases = null;
    try {
      Map<K, Ticket> tickets = new HashMap<>();
      for (K key : claimed.keySet()) {
        tickets.put(key, guard.ticket(key));
      }
      Map<K, Resolved<V>> found = walk.forLoad(claimed.keySet(), tickets, fallbacks);
      claimed.forEach((key, claim) -> claim.walked.complete(fallbacks.get(key)));
      found.forEach(
          (key, resolved) -> {
            settle(key, claimed.get(key), resolved);
            if (resolved.revalidate()) {
              revalidate.add(Map.entry(key, resolved));
            }
          });
      Set<K> missing = new LinkedHashSet<>(claimed.keySet());
      missing.removeAll(found.keySet());
      if (!missing.isEmpty()) {
        Map<K, Resolved<V>> filled = new HashMap<>();
        leases = walk.lease(missing, tickets, filled);
        filled.forEach((key, resolved) -> settle(key, claimed.get(key), resolved));
        missing.removeAll(filled.keySet());
      }
      if (!missing.isEmpty()) {
        calls
            .load(
                missing,
                together,
                loader,
                fallbacks,
                tickets,
                leases,
                (key, outcome) -> answer(claimed.get(key), outcome))
            .forEach((key, outcome) -> end(key, claimed.get(key)));
      }
    } catch (Throwable e) {
      // A timer still waiting on the walk acts on an answer this has already failed.
      claimed.forEach((key, mine) -> fail(key, mine, e));
    } finally {
      if (leases != null) {
        leases.releaseRest();
      }
    }
    // Only now, with the claims released, can a reload claim the keys.
    for (Map.Entry<K, Resolved<V>> stale : revalidate) {
      Resolved<V> resolved = stale.getValue();
      refresh(stale.getKey(), resolved.entry(), String.valueOf(resolved.tier()), loader, true);
    }
  }

  /** Answers {@code mine}'s callers with {@code outcome}; the claim stays until the store ends. */
  private static <V> void answer(Claim<V> mine, Outcome<V> outcome) {
    Resolved<V> resolved = outcome.resolved();
    if (resolved != null) {
      mine.complete(resolved);
    } else {
      mine.completeExceptionally(
          Objects.requireNonNull(outcome.error(), "an outcome without error"));
    }
  }

  private void execute(Runnable task, Map<K, Claim<V>> claimed) {
    try {
      executor.execute(task);
    } catch (RuntimeException e) {
      claimed.forEach((key, mine) -> fail(key, mine, e));
    }
  }

  private void settle(K key, Claim<V> mine, Resolved<V> resolved) {
    mine.complete(resolved);
    end(key, mine);
  }

  private void fail(K key, Claim<V> mine, Throwable error) {
    mine.completeExceptionally(error);
    end(key, mine);
  }

  private void end(K key, Claim<V> mine) {
    inflight.remove(key, mine);
    mine.stored.complete(null);
  }
}
