package io.strata.cache.examples.tiles;

import io.strata.cache.CacheEntry;
import io.strata.cache.Loaded;
import io.strata.cache.Loader;
import io.strata.cache.http.HttpValue;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Writes the wall-clock instant a response stops being fresh into the value itself, as the
 * header {@value #HEADER}, so that whichever instance and tier serves it later can answer with
 * {@code Cache-Control: max-age=<remaining>}.
 *
 * <p>Why: {@link io.strata.cache.Lookup} says which tier served a value but not when it expires.
 * The loader knows the exact lifetime it gave (the {@code Loaded.ttl()} that {@code HttpLoader}
 * computes from {@code Cache-Control}), so this decorator records it with the value; the stamp
 * travels through Redis with the rest of the {@link HttpValue}. A revalidation answered with 304
 * is turned into the same value with a new stamp. Thread-safe.
 */
final class ExpiryStamp implements Loader<String, HttpValue> {

  /** The header holding the expiry, in epoch milliseconds; never sent to clients. */
  static final String HEADER = "x-strata-fresh-until";

  private final Loader<String, HttpValue> delegate;
  private final Clock clock;

  ExpiryStamp(Loader<String, HttpValue> delegate, Clock clock) {
    this.delegate = delegate;
    this.clock = clock;
  }

  @Override
  public @Nullable HttpValue load(String key) throws Exception {
    return loadEntry(key).value();
  }

  @Override
  public Loaded<HttpValue> loadEntry(String key) throws Exception {
    Loaded<HttpValue> loaded = delegate.loadEntry(key);
    HttpValue value = loaded.value();
    return value == null ? loaded : copy(loaded, stamp(value, loaded.ttl()));
  }

  @Override
  public Loaded<HttpValue> reload(String key, CacheEntry<HttpValue> previous) throws Exception {
    Loaded<HttpValue> loaded = delegate.reload(key, previous);
    HttpValue value = loaded.isNotModified() ? previous.value() : loaded.value();
    return value == null ? loaded : copy(loaded, stamp(value, loaded.ttl()));
  }

  /** Returns the seconds {@code value} stays fresh from now: 0 when unknown or past. */
  static long remainingSeconds(HttpValue value, Clock clock) {
    Optional<String> until = value.header(HEADER);
    if (until.isEmpty()) {
      return 0;
    }
    try {
      long millis = Long.parseLong(until.get()) - clock.millis();
      return Math.max(0, (millis + 500) / 1000); // rounded: a fresh MISS says exactly max-age
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private HttpValue stamp(HttpValue value, @Nullable Duration ttl) {
    Map<String, List<String>> headers = new LinkedHashMap<>(value.headers());
    long until = clock.millis() + (ttl == null ? 0 : ttl.toMillis());
    headers.put(HEADER, List.of(Long.toString(until)));
    return HttpValue.of(value.status(), value.body(), value.contentType(), headers);
  }

  private static Loaded<HttpValue> copy(Loaded<HttpValue> from, HttpValue value) {
    Loaded.Builder<HttpValue> to =
        Loaded.builder(value)
            .contentType(from.contentType() != null ? from.contentType() : value.contentType())
            .etag(from.etag() != null ? from.etag() : value.etag().orElse(null))
            .lastModified(
                from.lastModified() != null ? from.lastModified() : value.lastModified().orElse(null))
            .storage(from.storage());
    if (from.ttl() != null) {
      to.ttl(from.ttl());
    }
    if (from.ttlHint() != null) {
      to.ttlHint(from.ttlHint());
    }
    if (from.staleWhileRevalidate() != null) {
      to.staleWhileRevalidate(from.staleWhileRevalidate());
    }
    if (from.staleIfError() != null) {
      to.staleIfError(from.staleIfError());
    }
    return to.build();
  }
}
