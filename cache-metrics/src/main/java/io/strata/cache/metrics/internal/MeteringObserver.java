package io.strata.cache.metrics.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.strata.cache.CacheObserver;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.TierHealth;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;

/**
 * Records a cache's observer events into meters resolved once, when bound: one array slot per tier
 * (and per operation), so recording is an array scan of a few tier names and an increment, with no
 * tags built and nothing allocated. Thread-safe.
 *
 * <p>Holds no reference to the cache: the cache holds this observer, and both go away together.
 */
public final class MeteringObserver implements CacheObserver {

  public static final String LOADS = "cache.loads";
  public static final String COALESCED_WAITS = "cache.coalesced.waits";
  public static final String REFRESHES = "cache.refreshes";
  public static final String STALE_SERVED = "cache.stale.served";
  public static final String TIER_GETS = "cache.tier.gets";
  public static final String TIER_LATENCY = "cache.tier.latency";
  public static final String TIER_ERRORS = "cache.tier.errors";
  public static final String TIER_PROMOTIONS = "cache.tier.promotions";
  public static final String TIER_INVALIDATIONS = "cache.tier.invalidations.received";
  public static final String TIER_FLUSHES = "cache.tier.flushes";
  public static final String TIER_DECODE_ERRORS = "cache.tier.decode.errors";
  public static final String TIER_TOO_LARGE = "cache.tier.values.too.large";
  public static final String TIER_WRITES_DROPPED = "cache.tier.writes.dropped";
  public static final String TIER_FILLS_REFUSED = "cache.tier.fills.refused";
  public static final String TIER_CHANGES_DEFERRED = "cache.tier.changes.deferred";
  public static final String TIER_CHANGES_REPLAYED = "cache.tier.changes.replayed";
  public static final String TIER_HEALTH = "cache.tier.health";
  public static final String TIER_HEALTH_TRANSITIONS = "cache.tier.health.transitions";

  /** Micrometer's own description of {@code cache.loads} ({@code CaffeineStatsCounter}). */
  static final String LOADS_DESCRIPTION =
      "The number of times cache lookup methods have successfully loaded a new value or failed to"
          + " load a new value, either because no value was found or an exception was thrown while"
          + " loading";

  private static final Operation[] OPERATIONS = Operation.values();
  private static final TierHealth.State[] STATES = TierHealth.State.values();

  /** Every tier, top (local) first; the lower tiers are {@code tiers[1..]}. */
  private final String[] tiers;

  // Indexed like tiers; hits[0] stays unused: the cache counts local hits itself.
  private final LongAdder[] hits;
  private final LongAdder[] misses;
  private final Counter[] tooLarge;
  // Promotions go into every tier but the lowest: indexed like tiers, one shorter.
  private final Counter[] promotions;
  // The lower tiers only: index = tier index - 1.
  private final Timer[][] latency;
  private final Counter[][] errors;
  private final Counter[] invalidations;
  private final Counter[] decodeErrors;
  private final Counter[] writesDropped;
  private final Counter[] fillsRefused;
  private final Counter[] changesDeferred;
  private final Counter[] changesReplayed;
  private final Counter[][] transitions;
  private final TaggedCounters[] flushes;

  private final Timer loadSuccess;
  private final Timer loadFailure;
  private final Counter coalescedWaits;
  private final Counter refreshSuccess;
  private final Counter refreshFailure;
  private final TaggedCounters stale;

  private MeteringObserver(MeterRegistry registry, MultiLevelCache<?, ?> cache, Tags cacheTags) {
    List<String> tierNames = cache.advanced().tierNames();
    int count = tierNames.size();
    int lower = count - 1;
    tiers = tierNames.toArray(String[]::new);
    hits = new LongAdder[count];
    misses = new LongAdder[count];
    tooLarge = new Counter[count];
    promotions = new Counter[lower];
    latency = new Timer[lower][];
    errors = new Counter[lower][];
    invalidations = new Counter[lower];
    decodeErrors = new Counter[lower];
    writesDropped = new Counter[lower];
    fillsRefused = new Counter[lower];
    changesDeferred = new Counter[lower];
    changesReplayed = new Counter[lower];
    transitions = new Counter[lower][];
    flushes = new TaggedCounters[lower];

    for (int t = 0; t < count; t++) {
      Tags tier = cacheTags.and("tier", tiers[t]);
      hits[t] = new LongAdder();
      misses[t] = new LongAdder();
      if (t == 0) {
        // Read from the cache's own count: an increment here would cost a quarter of a hit.
        tierGets(registry, tier, "hit", cache, c -> c.advanced().localHitCount());
      } else {
        tierGets(registry, tier, "hit", hits[t], LongAdder::sum);
      }
      tierGets(registry, tier, "miss", misses[t], LongAdder::sum);
      tooLarge[t] =
          counter(registry, TIER_TOO_LARGE, tier, "Values the tier declined to store as too large");
      if (t < lower) {
        promotions[t] =
            counter(
                registry,
                TIER_PROMOTIONS,
                tier,
                "Entries found in a lower tier and copied into this tier");
      }
      if (t == 0) {
        continue;
      }
      int l = t - 1;
      latency[l] = new Timer[OPERATIONS.length];
      errors[l] = new Counter[OPERATIONS.length];
      for (Operation operation : OPERATIONS) {
        Tags op = tier.and("operation", operation.name().toLowerCase(Locale.ROOT));
        latency[l][operation.ordinal()] =
            Timer.builder(TIER_LATENCY)
                .description("The time operations on the tier took, failed ones excluded")
                .tags(op)
                .register(registry);
        errors[l][operation.ordinal()] =
            counter(
                registry, TIER_ERRORS, op, "Operations on the tier that failed and were skipped");
      }
      invalidations[l] =
          counter(
              registry,
              TIER_INVALIDATIONS,
              tier,
              "Keys the tier reported changed elsewhere and evicted from the tiers above");
      decodeErrors[l] =
          counter(
              registry,
              TIER_DECODE_ERRORS,
              tier,
              "Entries whose stored bytes could not be decoded, treated as misses");
      writesDropped[l] =
          counter(
              registry,
              TIER_WRITES_DROPPED,
              tier,
              "Writes the tier dropped because it was failing or unavailable");
      fillsRefused[l] =
          counter(
              registry,
              TIER_FILLS_REFUSED,
              tier,
              "Loaded values the tier refused because their key changed after the load began");
      changesDeferred[l] =
          counter(
              registry,
              TIER_CHANGES_DEFERRED,
              tier,
              "Puts and invalidations the tier did not take, kept to be replayed once it works");
      changesReplayed[l] =
          counter(
              registry,
              TIER_CHANGES_REPLAYED,
              tier,
              "Deferred changes the tier took as invalidations once it worked again");
      transitions[l] = new Counter[STATES.length];
      for (TierHealth.State state : STATES) {
        transitions[l][state.ordinal()] =
            counter(
                registry,
                TIER_HEALTH_TRANSITIONS,
                tier.and("state", state.name().toLowerCase(Locale.ROOT)),
                "Changes of the tier's health (a breaker opening, half-opening, closing), by the"
                    + " state entered");
      }
      flushes[l] =
          new TaggedCounters(
              registry,
              TIER_FLUSHES,
              "Flushes of every tier above this one, by reason (disconnect, heartbeat, flushall)",
              tier,
              "reason");
    }

    loadSuccess = loads(registry, cacheTags, "success");
    loadFailure = loads(registry, cacheTags, "failure");
    coalescedWaits =
        counter(
            registry,
            COALESCED_WAITS,
            cacheTags,
            "Reads that waited for a load another caller had started instead of loading");
    refreshSuccess = refreshes(registry, cacheTags, "success");
    refreshFailure = refreshes(registry, cacheTags, "failure");
    stale =
        new TaggedCounters(
            registry,
            STALE_SERVED,
            "Values past their time to live served, by cause (revalidate, error, timeout)",
            cacheTags,
            "cause");
  }

  /**
   * Registers the meters of a cache with {@code tierNames} (top first) in {@code registry}, with
   * {@code cacheTags} (which include {@code cache}), and returns the observer that feeds them. The
   * caller adds it to the cache.
   */
  public static MeteringObserver register(
      MeterRegistry registry, MultiLevelCache<?, ?> cache, Iterable<Tag> cacheTags) {
    if (cache.advanced().tierNames().isEmpty()) {
      throw new IllegalArgumentException("a cache has at least its local tier");
    }
    return new MeteringObserver(registry, cache, Tags.of(cacheTags));
  }

  /**
   * Registers a gauge of each lower tier's health: 0 up, 1 degraded, 2 down. The gauges hold {@code
   * cache} weakly and read NaN once it is gone.
   */
  public static void registerHealthGauges(
      MeterRegistry registry, MultiLevelCache<?, ?> cache, Iterable<Tag> cacheTags) {
    List<String> names = cache.advanced().tierNames();
    for (String tier : names.subList(1, names.size())) {
      Gauge.builder(TIER_HEALTH, cache, c -> health(c, tier))
          .description(
              "The tier's health: 0 up, 1 degraded (a half-open breaker), 2 down (breaker open,"
                  + " skipped)")
          .tags(cacheTags)
          .tag("tier", tier)
          .register(registry);
    }
  }

  private static double health(MultiLevelCache<?, ?> cache, String tier) {
    TierHealth health = cache.advanced().health().get(tier);
    if (health == null) {
      return Double.NaN;
    }
    return switch (health.state()) {
      case UP -> 0;
      case DEGRADED -> 1;
      case DOWN -> 2;
    };
  }

  /** Registers one {@code cache.tier.gets} counter reading {@code count} of {@code source}, held weakly. */
  private static <T> void tierGets(
      MeterRegistry registry, Tags tier, String result, T source, ToDoubleFunction<T> count) {
    FunctionCounter.builder(TIER_GETS, source, count)
        .description(
            "Reads of the tier that found an entry (hit) or not (miss); a read goes down only as"
                + " far as the first hit")
        .tags(tier)
        .tag("result", result)
        .register(registry);
  }

  private static Timer loads(MeterRegistry registry, Tags tags, String result) {
    return Timer.builder(LOADS)
        .description(LOADS_DESCRIPTION)
        .tags(tags)
        .tag("result", result)
        .register(registry);
  }

  private static Counter refreshes(MeterRegistry registry, Tags tags, String result) {
    return Counter.builder(REFRESHES)
        .description("Background reloads (refresh-ahead, stale-while-revalidate) that finished")
        .tags(tags)
        .tag("result", result)
        .register(registry);
  }

  private static Counter counter(
      MeterRegistry registry, String name, Tags tags, String description) {
    return Counter.builder(name).description(description).tags(tags).register(registry);
  }

  /** Returns the index of {@code tier} in {@link #tiers}, or -1; compares without allocating. */
  private int indexOf(String tier) {
    String[] names = tiers;
    for (int i = 0; i < names.length; i++) {
      String name = names[i];
      if (name == tier || name.equals(tier)) {
        return i;
      }
    }
    return -1;
  }

  /** Returns the index of lower {@code tier} in the lower-tier arrays, or -1. */
  private int lowerIndexOf(String tier) {
    return indexOf(tier) - 1;
  }

  @Override
  public void tierHit(String tier) {
    int t = indexOf(tier);
    if (t > 0) {
      hits[t].increment();
    }
  }

  @Override
  public void tierMiss(String tier) {
    int t = indexOf(tier);
    if (t >= 0) {
      misses[t].increment();
    }
  }

  @Override
  public void tierLatency(String tier, Operation operation, long nanos) {
    int l = lowerIndexOf(tier);
    if (l >= 0) {
      latency[l][operation.ordinal()].record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void tierError(String tier, Operation operation, Throwable error) {
    int l = lowerIndexOf(tier);
    if (l >= 0) {
      errors[l][operation.ordinal()].increment();
    }
  }

  @Override
  public void promotion(String tier) {
    int t = indexOf(tier);
    if (t >= 0 && t < promotions.length) {
      promotions[t].increment();
    }
  }

  @Override
  public void coalescedWait() {
    coalescedWaits.increment();
  }

  @Override
  public void load(boolean success, long nanos) {
    (success ? loadSuccess : loadFailure).record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void refresh(boolean success) {
    (success ? refreshSuccess : refreshFailure).increment();
  }

  @Override
  public void staleServed(String cause) {
    stale.increment(cause, 1);
  }

  @Override
  public void invalidationReceived(String tier, int keys) {
    int l = lowerIndexOf(tier);
    if (l >= 0 && keys > 0) {
      invalidations[l].increment(keys);
    }
  }

  @Override
  public void flush(String tier, String reason) {
    int l = lowerIndexOf(tier);
    if (l >= 0) {
      flushes[l].increment(reason, 1);
    }
  }

  @Override
  public void decodeError(String tier) {
    int l = lowerIndexOf(tier);
    if (l >= 0) {
      decodeErrors[l].increment();
    }
  }

  @Override
  public void valueTooLarge(String tier) {
    int t = indexOf(tier);
    if (t >= 0) {
      tooLarge[t].increment();
    }
  }

  @Override
  public void writeDropped(String tier) {
    int l = lowerIndexOf(tier);
    if (l >= 0) {
      writesDropped[l].increment();
    }
  }

  @Override
  public void fillRefused(String tier) {
    int l = lowerIndexOf(tier);
    if (l >= 0) {
      fillsRefused[l].increment();
    }
  }

  @Override
  public void changeDeferred(String tier) {
    int l = lowerIndexOf(tier);
    if (l >= 0) {
      changesDeferred[l].increment();
    }
  }

  @Override
  public void changesReplayed(String tier, int changes) {
    int l = lowerIndexOf(tier);
    if (l >= 0 && changes > 0) {
      changesReplayed[l].increment(changes);
    }
  }

  @Override
  public void healthChanged(String tier, TierHealth health) {
    int l = lowerIndexOf(tier);
    if (l >= 0) {
      transitions[l][health.state().ordinal()].increment();
    }
  }

  @Override
  public String toString() {
    return "MeteringObserver" + List.of(tiers);
  }
}
