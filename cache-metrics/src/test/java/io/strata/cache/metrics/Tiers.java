package io.strata.cache.metrics;

import io.strata.cache.CacheEntry;
import io.strata.cache.CacheTier;
import io.strata.cache.TierContext;
import io.strata.cache.TierFactory;
import io.strata.cache.TierHealth;
import io.strata.cache.codec.Codec;
import io.strata.cache.testkit.FakeTicker;
import io.strata.cache.testkit.InMemoryTier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Real test tiers ({@link InMemoryTier}) made reachable from tests: the tiers and contexts a
 * factory created, and a tier that takes a fixed time per operation on the fake clock.
 */
final class Tiers {

  /** A factory of {@link InMemoryTier}s that remembers what it created. */
  static final class Capturing implements TierFactory<String, String> {
    private final TierFactory<String, String> delegate;
    private final @Nullable FakeTicker ticker;
    private final Duration delay;
    final List<InMemoryTier<String>> tiers = new ArrayList<>();
    final List<TierContext<String>> contexts = new ArrayList<>();

    Capturing(String name, InMemoryTier.Store store, @Nullable FakeTicker ticker, Duration delay) {
      // The counts these tests expect are those of an instance that keeps its own writes
      // (NOLOOP); RedisTierMetersIT counts on a real Redis, which echoes them.
      this.delegate = InMemoryTier.factory(name, store, Codec.utf8(), InMemoryTier.Echo.OTHERS_ONLY);
      this.ticker = ticker;
      this.delay = delay;
    }

    @Override
    public CacheTier<String, String> create(TierContext<String> context) {
      InMemoryTier<String> tier = (InMemoryTier<String>) delegate.create(context);
      tiers.add(tier);
      contexts.add(context);
      return ticker == null ? tier : new Slow(tier, ticker, delay);
    }

    /** The tier this factory created last. */
    InMemoryTier<String> tier() {
      return tiers.get(tiers.size() - 1);
    }

    /** Where the tier created last reports events, as a real tier does. */
    TierContext<String> context() {
      return contexts.get(contexts.size() - 1);
    }
  }

  static Capturing capturing(String name, InMemoryTier.Store store) {
    return new Capturing(name, store, null, Duration.ZERO);
  }

  /** Every operation of the tier takes {@code delay} on {@code ticker}, as a network hop would. */
  static Capturing slow(String name, InMemoryTier.Store store, FakeTicker ticker, Duration delay) {
    return new Capturing(name, store, ticker, delay);
  }

  private static final class Slow implements CacheTier<String, String> {
    private final CacheTier<String, String> tier;
    private final FakeTicker ticker;
    private final Duration delay;

    Slow(CacheTier<String, String> tier, FakeTicker ticker, Duration delay) {
      this.tier = tier;
      this.ticker = ticker;
      this.delay = delay;
    }

    private void hop() {
      ticker.advance(delay);
    }

    @Override
    public String name() {
      return tier.name();
    }

    @Override
    public @Nullable CacheEntry<String> get(String key) {
      hop();
      return tier.get(key);
    }

    @Override
    public Map<String, CacheEntry<String>> getAll(Collection<? extends String> keys) {
      hop();
      return tier.getAll(keys);
    }

    @Override
    public void put(String key, CacheEntry<String> entry) {
      hop();
      tier.put(key, entry);
    }

    @Override
    public void putAll(Map<? extends String, CacheEntry<String>> entries) {
      hop();
      tier.putAll(entries);
    }

    @Override
    public Map<String, io.strata.cache.TierLease<String>> lease(
        Collection<? extends String> keys, boolean refresh) {
      hop();
      return tier.lease(keys, refresh);
    }

    @Override
    public java.util.Set<String> putLeased(
        Map<? extends String, CacheEntry<String>> entries,
        Map<? extends String, io.strata.cache.TierLease<String>> leases) {
      hop();
      return tier.putLeased(entries, leases);
    }

    @Override
    public void release(Map<? extends String, io.strata.cache.TierLease<String>> leases) {
      hop();
      tier.release(leases);
    }

    @Override
    public void invalidate(String key) {
      hop();
      tier.invalidate(key);
    }

    @Override
    public void invalidateAll() {
      hop();
      tier.invalidateAll();
    }

    @Override
    public TierHealth health() {
      return tier.health();
    }

    @Override
    public void close() {
      tier.close();
    }
  }

  private Tiers() {}
}
