package io.strata.cache.internal;

import io.strata.cache.Loader;
import io.strata.cache.RefreshAhead;
import io.strata.cache.Scheduler;
import io.strata.cache.Ticker;
import io.strata.cache.TierFactory;
import io.strata.cache.TtlPolicy;
import io.strata.cache.Weigher;
import io.strata.cache.Writer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/** A validated, immutable snapshot of a builder's options. */
public record CacheSettings<K, V>(
    String name,
    @Nullable Loader<K, V> loader,
    @Nullable Writer<K, V> writer,
    TtlPolicy<K, V> ttlPolicy,
    @Nullable Duration localTtl,
    @Nullable Duration degradedLocalTtl,
    boolean strictCoherence,
    int outageJournalCapacity,
    @Nullable Duration negativeTtl,
    long maximumSize,
    long maximumWeight,
    @Nullable Weigher<K, V> weigher,
    long maximumValueWeight,
    int localAdmissionReads,
    List<TierFactory<K, V>> tiers,
    @Nullable RefreshAhead refreshAhead,
    Duration staleWhileRevalidate,
    Duration staleIfError,
    @Nullable Duration softLoadTimeout,
    @Nullable Duration hardLoadTimeout,
    Executor executor,
    Ticker ticker,
    Scheduler scheduler) {}
