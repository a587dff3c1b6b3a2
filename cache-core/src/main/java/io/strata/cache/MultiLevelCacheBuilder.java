package io.strata.cache;

import io.strata.cache.internal.CacheSettings;
import io.strata.cache.internal.DefaultMultiLevelCache;
import io.strata.cache.internal.LoadExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * Builds a {@link MultiLevelCache}. Every setter validates at once and throws if the value is bad
 * ({@link IllegalArgumentException}, {@link NullPointerException}) or if it conflicts with, or
 * repeats, an option already set ({@link IllegalStateException}); the message names the option.
 * {@link #build()} checks what only the whole can, does not change the builder, and may be called
 * again to build another cache with the same settings.
 *
 * <p>Defaults: a local tier of at most {@value #DEFAULT_MAXIMUM_SIZE} entries, a fixed TTL of
 * {@link #DEFAULT_TTL}, no lower tiers, no loader, no negative caching, no refresh or stale
 * serving, no load timeouts, a shared, bounded pool of daemon threads for loads (not the common
 * fork-join pool, which blocking loaders would starve), the system ticker and scheduler. Durations
 * longer than about 36 years count as 36 years.
 *
 * <p>Not thread-safe: configure it on one thread.
 *
 * @param <K> the type of key
 * @param <V> the type of value
 */
public final class MultiLevelCacheBuilder<K, V> {

  /** The local tier's default maximum number of entries. */
  public static final long DEFAULT_MAXIMUM_SIZE = 10_000;

  /** The default bound on the changed keys remembered per lower tier while it fails. */
  public static final int DEFAULT_OUTAGE_JOURNAL_CAPACITY = 10_000;

  /** The default time to live, when neither {@link #ttl} nor {@link #ttlPolicy} is set. */
  public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);

  private final String name;
  private @Nullable Loader<? super K, V> loader;
  private @Nullable Writer<? super K, ? super V> writer;
  private @Nullable TtlPolicy<? super K, ? super V> ttlPolicy;
  private @Nullable Duration localTtl;
  private @Nullable Duration degradedLocalTtl;
  private boolean strictCoherence;
  private int outageJournalCapacity = -1;
  private @Nullable Duration negativeTtl;
  private long maximumSize = -1;
  private long maximumWeight = -1;
  private double heapFraction = -1;
  private @Nullable Weigher<? super K, ? super V> weigher;
  private long maximumValueWeight = -1;
  private int localAdmissionReads = -1;
  private final List<TierFactory<K, V>> tiers = new ArrayList<>();
  private @Nullable RefreshAhead refreshAhead;
  private @Nullable Duration staleWhileRevalidate;
  private @Nullable Duration staleIfError;
  private @Nullable Duration softLoadTimeout;
  private @Nullable Duration hardLoadTimeout;
  private @Nullable Executor executor;
  private @Nullable Ticker ticker;
  private @Nullable Scheduler scheduler;

  MultiLevelCacheBuilder(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank() || name.chars().anyMatch(c -> Character.isWhitespace(c) || c == ':')) {
      throw new IllegalArgumentException(
          "name must be non-blank, without whitespace or ':', but was '" + name + "'");
    }
    this.name = name;
  }

  /** Sets the loader {@link MultiLevelCache#get(Object)} uses on a miss. */
  public MultiLevelCacheBuilder<K, V> loader(Loader<? super K, V> loader) {
    Objects.requireNonNull(loader, "loader");
    requireUnset(this.loader, "loader");
    this.loader = loader;
    return this;
  }

  /** Makes the cache write-through: puts and invalidations reach {@code writer} first. */
  public MultiLevelCacheBuilder<K, V> writer(Writer<? super K, ? super V> writer) {
    Objects.requireNonNull(writer, "writer");
    requireUnset(this.writer, "writer");
    this.writer = writer;
    return this;
  }

  /** Gives every value the same time to live. Shorthand for {@code ttlPolicy(TtlPolicy.fixed(ttl))}. */
  public MultiLevelCacheBuilder<K, V> ttl(Duration ttl) {
    Objects.requireNonNull(ttl, "ttl");
    requirePositive(ttl, "ttl");
    return ttlPolicy(TtlPolicy.fixed(ttl));
  }

  /** Sets the policy that decides each value's time to live (see {@link TtlPolicy}). */
  public MultiLevelCacheBuilder<K, V> ttlPolicy(TtlPolicy<? super K, ? super V> policy) {
    Objects.requireNonNull(policy, "policy");
    requireUnset(this.ttlPolicy, "ttl (ttl or ttlPolicy)");
    this.ttlPolicy = policy;
    return this;
  }

  /**
   * Caps how long the local tier keeps an entry, so it can be shorter than in the lower tiers.
   * This also bounds how stale the local tier can get if an invalidation from another instance is
   * lost.
   */
  public MultiLevelCacheBuilder<K, V> localTtl(Duration ttl) {
    Objects.requireNonNull(ttl, "ttl");
    requireUnset(this.localTtl, "localTtl");
    this.localTtl = requirePositive(ttl, "localTtl");
    return this;
  }

  /**
   * Sets the staleness bound of degraded mode: while a lower tier cannot hear of changes made
   * elsewhere (its invalidation channel is down) or cannot serve (Redis is down), the local tier
   * keeps serving what it holds and keeps filling from loads, each entry kept at most {@code ttl},
   * so the source sees at most one load per key per {@code ttl} however many reads arrive. What
   * the local tier holds when the outage begins is flushed if {@code ttl} is shorter than {@link
   * #localTtl}. Default: the local TTL (or, without one, each entry's own lifetime). Conflicts with
   * {@link #strictCoherence()}.
   */
  public MultiLevelCacheBuilder<K, V> degradedLocalTtl(Duration ttl) {
    Objects.requireNonNull(ttl, "ttl");
    requireUnset(this.degradedLocalTtl, "degradedLocalTtl");
    if (strictCoherence) {
      throw new IllegalStateException(
          "cannot set degradedLocalTtl: strictCoherence() was set, and a strict cache keeps"
              + " nothing locally while a lower tier cannot hear changes");
    }
    this.degradedLocalTtl = requirePositive(ttl, "degradedLocalTtl");
    return this;
  }

  /**
   * Makes the cache strict: while a lower tier cannot hear of changes made elsewhere, the local
   * tier is flushed and bypassed (reads go to the lower tiers or the loader and are not kept in
   * memory), and a value a lower tier failed to take is not kept locally either. Staleness stays
   * as tight as when everything works, but during an outage of the shared tier every read reaches
   * the source. Without it the cache shields the source within {@link #degradedLocalTtl}.
   */
  public MultiLevelCacheBuilder<K, V> strictCoherence() {
    if (degradedLocalTtl != null) {
      throw new IllegalStateException(
          "cannot set strictCoherence(): degradedLocalTtl was already set to " + degradedLocalTtl);
    }
    this.strictCoherence = true;
    return this;
  }

  /**
   * Bounds how many changed keys are remembered per lower tier while it fails (default {@value
   * #DEFAULT_OUTAGE_JOURNAL_CAPACITY}). The changes are replayed as invalidations when the tier
   * recovers; past the bound the tier is instead emptied of this cache's entries on recovery
   * ({@link CacheTier#invalidateAll()}), on every instance.
   */
  public MultiLevelCacheBuilder<K, V> outageJournalCapacity(int capacity) {
    if (outageJournalCapacity >= 0) {
      throw new IllegalStateException(
          "outageJournalCapacity was already set to " + outageJournalCapacity);
    }
    if (capacity <= 0) {
      throw new IllegalArgumentException(
          "outageJournalCapacity must be positive, but was " + capacity);
    }
    this.outageJournalCapacity = capacity;
    return this;
  }

  /**
   * Remembers "not found" answers (a loader returning null) for {@code ttl}, so that a missing key
   * does not reach the source on every read. Without it, absences are not cached.
   */
  public MultiLevelCacheBuilder<K, V> negativeTtl(Duration ttl) {
    Objects.requireNonNull(ttl, "ttl");
    requireUnset(this.negativeTtl, "negativeTtl");
    this.negativeTtl = requirePositive(ttl, "negativeTtl");
    return this;
  }

  /** Bounds the local tier to {@code maximumSize} entries. */
  public MultiLevelCacheBuilder<K, V> maximumSize(long maximumSize) {
    requireNoBound("maximumSize");
    if (maximumSize <= 0) {
      throw new IllegalArgumentException("maximumSize must be positive, but was " + maximumSize);
    }
    this.maximumSize = maximumSize;
    return this;
  }

  /**
   * Bounds the local tier to a total weight (usually bytes) as measured by {@code weigher}.
   */
  public MultiLevelCacheBuilder<K, V> maximumWeight(
      long maximumWeight, Weigher<? super K, ? super V> weigher) {
    Objects.requireNonNull(weigher, "weigher");
    requireNoBound("maximumWeight");
    if (maximumWeight <= 0) {
      throw new IllegalArgumentException("maximumWeight must be positive, but was " + maximumWeight);
    }
    this.maximumWeight = maximumWeight;
    this.weigher = weigher;
    return this;
  }

  /**
   * Bounds the local tier to a fraction of the JVM's maximum heap, as measured in bytes by {@code
   * weigher}.
   */
  public MultiLevelCacheBuilder<K, V> maximumHeapFraction(
      double fraction, Weigher<? super K, ? super V> weigher) {
    Objects.requireNonNull(weigher, "weigher");
    requireNoBound("maximumHeapFraction");
    if (!(fraction > 0 && fraction < 1)) {
      throw new IllegalArgumentException(
          "maximumHeapFraction must be in (0, 1), but was " + fraction);
    }
    this.heapFraction = fraction;
    this.weigher = weigher;
    return this;
  }

  /**
   * Keeps values heavier than {@code maximumValueWeight} out of the local tier (they still go to
   * the lower tiers). Needs a weigher, from {@link #maximumWeight} or {@link #maximumHeapFraction}.
   */
  public MultiLevelCacheBuilder<K, V> maximumValueWeight(long maximumValueWeight) {
    if (this.maximumValueWeight >= 0) {
      throw new IllegalStateException(
          "maximumValueWeight was already set to " + this.maximumValueWeight);
    }
    if (maximumValueWeight <= 0) {
      throw new IllegalArgumentException(
          "maximumValueWeight must be positive, but was " + maximumValueWeight);
    }
    this.maximumValueWeight = maximumValueWeight;
    return this;
  }

  /**
   * Admits a key to the local tier only once it has been read {@code reads} times (counting the
   * reads that missed the local tier), so that hot keys stay local and cold ones stay in the lower
   * tiers. Needs a lower tier.
   */
  public MultiLevelCacheBuilder<K, V> localAdmissionAfterReads(int reads) {
    if (this.localAdmissionReads >= 0) {
      throw new IllegalStateException(
          "localAdmissionAfterReads was already set to " + this.localAdmissionReads);
    }
    if (reads < 2) {
      throw new IllegalArgumentException(
          "localAdmissionAfterReads must be at least 2 (1 is the default: admit on first read), but was "
              + reads);
    }
    this.localAdmissionReads = reads;
    return this;
  }

  /**
   * Adds a tier below the local tier and below any tier added before: call it for Redis, then
   * for a disk tier, to get local → Redis → disk.
   */
  public MultiLevelCacheBuilder<K, V> tier(TierFactory<K, V> factory) {
    Objects.requireNonNull(factory, "factory");
    tiers.add(factory);
    return this;
  }

  /** Reloads entries in the background before they expire (see {@link RefreshAhead}). */
  public MultiLevelCacheBuilder<K, V> refreshAhead(RefreshAhead refreshAhead) {
    Objects.requireNonNull(refreshAhead, "refreshAhead");
    requireUnset(this.refreshAhead, "refreshAhead");
    this.refreshAhead = refreshAhead;
    return this;
  }

  /**
   * Serves an expired value for up to {@code window} past its expiry while a background reload
   * fetches a new one. A loader's own hint (HTTP {@code stale-while-revalidate}) wins for its
   * values.
   */
  public MultiLevelCacheBuilder<K, V> staleWhileRevalidate(Duration window) {
    Objects.requireNonNull(window, "window");
    requireUnset(this.staleWhileRevalidate, "staleWhileRevalidate");
    this.staleWhileRevalidate = requirePositive(window, "staleWhileRevalidate");
    return this;
  }

  /**
   * Serves an expired value for up to {@code window} past its expiry when reloading it fails or
   * times out, instead of throwing. A loader's own hint (HTTP {@code stale-if-error}) wins.
   */
  public MultiLevelCacheBuilder<K, V> staleIfError(Duration window) {
    Objects.requireNonNull(window, "window");
    requireUnset(this.staleIfError, "staleIfError");
    this.staleIfError = requirePositive(window, "staleIfError");
    return this;
  }

  /**
   * Past {@code timeout}, a caller waiting for a load gets the stale value if there is one that
   * may still be served (within its stale-if-error window), while the load goes on in the
   * background and fills the cache when it finishes.
   */
  public MultiLevelCacheBuilder<K, V> softLoadTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    requireUnset(this.softLoadTimeout, "softLoadTimeout");
    this.softLoadTimeout = requirePositive(timeout, "softLoadTimeout");
    return this;
  }

  /**
   * Past {@code timeout}, a caller waiting for a load stops waiting: it gets the stale value if
   * stale-if-error allows one, otherwise a {@link java.util.concurrent.CompletionException} caused
   * by a {@link java.util.concurrent.TimeoutException}. The load goes on in the background, but
   * the next caller no longer waits for it: it starts a load of its own.
   */
  public MultiLevelCacheBuilder<K, V> hardLoadTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    requireUnset(this.hardLoadTimeout, "hardLoadTimeout");
    this.hardLoadTimeout = requirePositive(timeout, "hardLoadTimeout");
    return this;
  }

  /**
   * Sets the executor for asynchronous gets, background reloads, timed loads and the replay of
   * changes a tier missed during an outage. Loaders usually block on I/O: give it enough threads,
   * or one slow key will hold up the others. A same-thread executor runs that background work on
   * whatever thread triggers it, a tier's I/O thread and the scheduler's thread (a replay retried
   * without traffic) included: keep it for tests. The default
   * runs at most {@code max(64, 16 × processors)} tasks at once for all caches, queueing the rest;
   * on Java 21 or newer, {@code Executors.newVirtualThreadPerTaskExecutor()} lifts that bound
   * (Strata blocks no virtual thread while pinned to its carrier: checked on Java 25 with JFR's
   * {@code jdk.VirtualThreadPinned} events). The default stays a bounded platform pool, which
   * caps how many loads reach the source at once, and on Java 21 to 23 a loader that blocks
   * inside {@code synchronized} would pin a virtual thread's carrier.
   */
  public MultiLevelCacheBuilder<K, V> executor(Executor executor) {
    Objects.requireNonNull(executor, "executor");
    requireUnset(this.executor, "executor");
    this.executor = executor;
    return this;
  }

  /** Sets the clock (for tests: a ticker moved by hand). */
  public MultiLevelCacheBuilder<K, V> ticker(Ticker ticker) {
    Objects.requireNonNull(ticker, "ticker");
    requireUnset(this.ticker, "ticker");
    this.ticker = ticker;
    return this;
  }

  /**
   * Sets the scheduler that fires load timeouts and retries, without traffic, the replay of
   * changes a tier did not take (for tests: one fired by hand).
   */
  public MultiLevelCacheBuilder<K, V> scheduler(Scheduler scheduler) {
    Objects.requireNonNull(scheduler, "scheduler");
    requireUnset(this.scheduler, "scheduler");
    this.scheduler = scheduler;
    return this;
  }

  /**
   * Builds the cache, creating each lower tier from its factory.
   *
   * @throws IllegalStateException if the options do not fit together; the message says which
   */
  public MultiLevelCache<K, V> build() {
    if (maximumValueWeight >= 0 && weigher == null) {
      throw new IllegalStateException(
          "maximumValueWeight needs a weigher: set maximumWeight or maximumHeapFraction");
    }
    if (localAdmissionReads >= 0 && tiers.isEmpty()) {
      throw new IllegalStateException(
          "localAdmissionAfterReads needs a lower tier to hold what the local tier does not admit");
    }
    if (softLoadTimeout != null
        && hardLoadTimeout != null
        && softLoadTimeout.compareTo(hardLoadTimeout) >= 0) {
      throw new IllegalStateException(
          "softLoadTimeout ("
              + softLoadTimeout
              + ") must be shorter than hardLoadTimeout ("
              + hardLoadTimeout
              + ")");
    }
    long weightBound =
        heapFraction > 0 ? (long) (Runtime.getRuntime().maxMemory() * heapFraction) : maximumWeight;
    @SuppressWarnings("unchecked")
    CacheSettings<K, V> settings =
        new CacheSettings<>(
            name,
            (Loader<K, V>) loader,
            (Writer<K, V>) writer,
            ttlPolicy == null ? TtlPolicy.fixed(DEFAULT_TTL) : (TtlPolicy<K, V>) ttlPolicy,
            localTtl,
            strictCoherence ? null : degradedLocalTtl != null ? degradedLocalTtl : localTtl,
            strictCoherence,
            outageJournalCapacity > 0 ? outageJournalCapacity : DEFAULT_OUTAGE_JOURNAL_CAPACITY,
            negativeTtl,
            weightBound > 0 ? -1 : (maximumSize > 0 ? maximumSize : DEFAULT_MAXIMUM_SIZE),
            weightBound,
            (Weigher<K, V>) weigher,
            maximumValueWeight,
            Math.max(1, localAdmissionReads),
            List.copyOf(tiers),
            refreshAhead,
            staleWhileRevalidate == null ? Duration.ZERO : staleWhileRevalidate,
            staleIfError == null ? Duration.ZERO : staleIfError,
            softLoadTimeout,
            hardLoadTimeout,
            executor == null ? LoadExecutor.get() : executor,
            ticker == null ? Ticker.system() : ticker,
            scheduler == null ? Scheduler.system() : scheduler);
    return new DefaultMultiLevelCache<>(settings);
  }

  private void requireNoBound(String option) {
    if (maximumSize > 0) {
      throw new IllegalStateException(
          "cannot set " + option + ": maximumSize was already set to " + maximumSize);
    }
    if (maximumWeight > 0) {
      throw new IllegalStateException(
          "cannot set " + option + ": maximumWeight was already set to " + maximumWeight);
    }
    if (heapFraction > 0) {
      throw new IllegalStateException(
          "cannot set " + option + ": maximumHeapFraction was already set to " + heapFraction);
    }
  }

  private static void requireUnset(@Nullable Object current, String option) {
    if (current != null) {
      throw new IllegalStateException(option + " was already set to " + current);
    }
  }

  private static Duration requirePositive(Duration duration, String option) {
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(option + " must be positive, but was " + duration);
    }
    return duration;
  }
}
