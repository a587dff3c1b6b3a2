package io.strata.cache.internal;

import io.strata.cache.CacheEntry;
import io.strata.cache.Loaded;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Turns what a loader or a caller said into a {@link CacheEntry}: the one place where the cache's
 * TTL policy, negative TTL and stale windows meet the source's hints, and the one place where
 * durations become deadlines (all of it saturating, see {@link Durations}). Thread-safe.
 */
final class EntryFactory<K, V> {

  private final CacheSettings<K, V> settings;

  EntryFactory(CacheSettings<K, V> settings) {
    this.settings = settings;
  }

  /**
   * Returns the entry for what a load of {@code key} answered, or null when there is nothing to
   * remember (not found, without a negative TTL or a lifetime of its own). An entry whose lifetime is zero is returned but
   * must not be stored.
   *
   * @param previous the entry the load revalidated, whose value a "not modified" keeps
   * @param now when the load ended
   * @param start when the load began
   */
  @Nullable CacheEntry<V> fromLoad(
      K key, Loaded<V> loaded, @Nullable CacheEntry<V> previous, long now, long start) {
    V value = loaded.value();
    CacheEntry<V> source = previous;
    if (loaded.isNotModified() && previous != null && previous.value() != null) {
      value = previous.value();
    } else {
      source = null;
    }
    if (value == null) {
      // A "not found" that says how long it holds (an HTTP 404's own max-age) is kept that long.
      Duration own =
          loaded.isNotModified() ? null : loaded.ttl() != null ? loaded.ttl() : loaded.ttlHint();
      Duration negativeTtl = own != null ? own : settings.negativeTtl();
      return negativeTtl == null || negativeTtl.isZero()
          ? null
          : CacheEntry.<V>negative(now, now + Durations.nanos(negativeTtl))
              .loadNanos(now - start)
              .build();
    }
    Duration ttl = loaded.ttl();
    if (ttl == null) {
      ttl =
          Objects.requireNonNull(
              settings.ttlPolicy().ttl(key, value, loaded.ttlHint()),
              "the TtlPolicy returned null");
    }
    long ttlNanos = Math.max(0, Durations.nanos(ttl));
    long expiresAt = now + ttlNanos;
    CacheEntry.Builder<V> builder = CacheEntry.builder(value, now, expiresAt);
    if (ttlNanos > 0) {
      Duration swr = loaded.staleWhileRevalidate();
      Duration sie = loaded.staleIfError();
      builder
          .staleWhileRevalidateUntil(
              expiresAt + Durations.nanos(swr == null ? settings.staleWhileRevalidate() : swr))
          .staleIfErrorUntil(
              expiresAt + Durations.nanos(sie == null ? settings.staleIfError() : sie));
    }
    Duration revalidateWithin = loaded.revalidateWithin();
    // A "not modified" that says nothing keeps the window the entry had (none: zero).
    long revalidateNanos =
        revalidateWithin != null
            ? Durations.nanos(revalidateWithin)
            : source != null ? source.revalidateUntil() - source.expiresAt() : 0;
    builder.revalidateUntil(expiresAt + revalidateNanos);
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

  /** Returns the entry for {@code put(key, value)}, or for {@code put(key, value, ttl)}. */
  CacheEntry<V> fromPut(K key, V value, @Nullable Duration ttl, long now) {
    Loaded<V> loaded = ttl == null ? Loaded.of(value) : Loaded.builder(value).ttl(ttl).build();
    return Objects.requireNonNull(fromLoad(key, loaded, null, now, now));
  }
}
