package io.strata.cache.internal;

import io.strata.cache.CacheEntry;
import io.strata.cache.Ticker;
import io.strata.cache.Writer;
import io.strata.cache.internal.InvalidationStamps.Ticket;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;

/**
 * Every change the cache makes on its own: puts, invalidations and flushes, through the writer
 * first when there is one, then the lower tiers (lowest first), then the local tier.
 *
 * <p>The order that keeps it coherent: the {@link FillGuard} records the change before the lower
 * tiers are written (loads under way stop writing them) and again after (reads that began
 * meanwhile may have read the old value), the claims on the keys end only after the lower tiers
 * changed (a caller after the change must not join a load that began before it), and the local
 * tier changes last. Thread-safe.
 */
final class WritePath<K, V> {

  private final @Nullable Writer<K, V> writer;
  private final Ticker ticker;
  private final EntryFactory<K, V> entries;
  private final LocalTier<K, V> local;
  private final LowerTiers<K, V> lower;
  private final FillGuard<K, V> guard;
  private final LoadCoordinator<K, V> loads;
  private final CacheCounters counters;
  private final DegradedMode mode;

  WritePath(
      @Nullable Writer<K, V> writer,
      Ticker ticker,
      EntryFactory<K, V> entries,
      LocalTier<K, V> local,
      LowerTiers<K, V> lower,
      FillGuard<K, V> guard,
      LoadCoordinator<K, V> loads,
      CacheCounters counters,
      DegradedMode mode) {
    this.writer = writer;
    this.ticker = ticker;
    this.entries = entries;
    this.local = local;
    this.lower = lower;
    this.guard = guard;
    this.loads = loads;
    this.counters = counters;
    this.mode = mode;
  }

  void put(K key, V value, @Nullable Duration ttl) {
    Writer<K, V> w = writer;
    if (w != null) {
      writeThrough(key, () -> w.write(key, value));
    }
    long now = ticker.read();
    store(Map.of(key, entries.fromPut(key, value, ttl, now)), now);
  }

  /**
   * Puts every mapping. With a writer, mappings reach it in order; if it fails on one, the ones
   * it took are stored (the source has them), that one is forgotten, the rest are left as they
   * were, and the failure is thrown.
   */
  void putAll(Map<K, V> values) {
    long now = ticker.read();
    Map<K, CacheEntry<V>> prepared = new LinkedHashMap<>();
    values.forEach((key, value) -> prepared.put(key, entries.fromPut(key, value, null, now)));
    Writer<K, V> w = writer;
    if (w != null) {
      Map<K, CacheEntry<V>> written = new LinkedHashMap<>();
      for (Map.Entry<K, CacheEntry<V>> mapping : prepared.entrySet()) {
        K key = mapping.getKey();
        try {
          writeThrough(key, () -> w.write(key, values.get(key)));
        } catch (RuntimeException | Error e) {
          store(written, now);
          throw e;
        }
        written.put(key, mapping.getValue());
      }
    }
    store(prepared, now);
  }

  void invalidate(K key) {
    Writer<K, V> w = writer;
    if (w != null) {
      writeThrough(key, () -> w.delete(key));
    }
    forget(key);
  }

  /** Removes {@code key} from every tier. */
  void forget(K key) {
    forgetAbove(lower.size(), key);
  }

  /** Removes {@code key} from the lower tiers above {@code level} and from the local tier. */
  void forgetAbove(int level, K key) {
    guard.invalidated(key);
    lower.invalidateAbove(level, key);
    guard.invalidated(key);
    loads.detach(key);
    local.invalidate(key);
  }

  /** Empties every tier. */
  void flush() {
    flushAbove(lower.size(), true);
  }

  /**
   * Empties the lower tiers above {@code level} and the local tier. When the data changed ({@code
   * changed}: a flush, not a lost connection), callers after it also stop joining loads that
   * began before it.
   */
  void flushAbove(int level, boolean changed) {
    guard.flushed();
    lower.invalidateAllAbove(level);
    guard.flushed();
    if (changed) {
      loads.detachAll();
    }
    local.invalidateAll();
  }

  /**
   * Empties the lower tiers above {@code level} and the local tier because they may have missed
   * invalidations, not because anything changed: reads under way may still write the tiers below,
   * but not fill the local tier.
   */
  void flushMissed(int level) {
    guard.fenceLocal();
    lower.invalidateAllAbove(level);
    local.invalidateAll();
  }

  private void store(Map<K, CacheEntry<V>> written, long now) {
    if (written.isEmpty()) {
      return;
    }
    counters.puts.add(written.size());
    Map<K, Ticket> tickets = new LinkedHashMap<>();
    Map<K, CacheEntry<V>> storable = new LinkedHashMap<>();
    written.forEach(
        (key, entry) -> {
          if (entry.retainUntil() - now > 0) {
            guard.invalidated(key);
            tickets.put(key, guard.ticket(key));
            storable.put(key, entry);
          } else {
            forget(key);
          }
        });
    boolean shared = lower.putAll(storable);
    storable.forEach(
        (key, entry) -> {
          loads.detach(key);
          if (shared || !mode.strict()) {
            // Not taken below: journaled for replay, and kept here within the degraded bound.
            guard.storeWritten(key, entry, tickets.get(key));
          } else {
            // Other instances keep reading the lower tier's value: this one must not serve another.
            guard.invalidated(key);
            local.invalidate(key);
          }
        });
  }

  /**
   * Calls the writer for {@code key}; its runtime exceptions pass unchanged, checked ones are
   * wrapped. A failed call may still have reached the source (a timeout after the write), so the
   * key is forgotten in every tier first: the cache reloads rather than guess.
   */
  private void writeThrough(K key, WriterCall call) {
    try {
      call.run();
    } catch (RuntimeException | Error e) {
      forget(key);
      throw e;
    } catch (Exception e) {
      forget(key);
      throw new CompletionException(e);
    }
  }

  @FunctionalInterface
  private interface WriterCall {
    void run() throws Exception;
  }
}
