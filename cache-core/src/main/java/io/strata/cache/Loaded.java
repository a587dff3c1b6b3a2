package io.strata.cache;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link Loader} found for one key, with the hints the source gave about it: how long it
 * stays fresh (an HTTP {@code max-age}), how long it may be served stale, its content type and
 * validators. The cache's {@link TtlPolicy} has the last word on the time to live.
 *
 * <p>Immutable and thread-safe.
 *
 * @param <V> the type of value
 */
public final class Loaded<V> {

  private static final Loaded<?> NOT_FOUND = new Builder<>(null, false).build();
  private static final Loaded<?> NOT_MODIFIED = new Builder<>(null, true).build();

  private final @Nullable V value;
  private final boolean notModified;
  private final @Nullable Duration ttlHint;
  private final @Nullable Duration ttl;
  private final @Nullable Duration staleWhileRevalidate;
  private final @Nullable Duration staleIfError;
  private final @Nullable Duration revalidateWithin;
  private final @Nullable String contentType;
  private final @Nullable String etag;
  private final @Nullable String lastModified;
  private final Storage storage;

  /** Where a loaded value may be kept. */
  public enum Storage {
    /** In every tier: the default. */
    EVERYWHERE,
    /**
     * Only in this process's local tier, never in a tier other instances share (an HTTP response
     * marked {@code Cache-Control: private}).
     */
    LOCAL_ONLY,
    /** Nowhere: the value answers this load and its waiters, then is forgotten ({@code no-store}). */
    NOWHERE
  }

  private Loaded(Builder<V> builder) {
    this.value = builder.value;
    this.notModified = builder.notModified;
    this.ttlHint = builder.ttlHint;
    this.ttl = builder.ttl;
    this.staleWhileRevalidate = builder.staleWhileRevalidate;
    this.staleIfError = builder.staleIfError;
    this.revalidateWithin = builder.revalidateWithin;
    this.contentType = builder.contentType;
    this.etag = builder.etag;
    this.lastModified = builder.lastModified;
    this.storage = builder.storage;
  }

  /** Returns a result holding {@code value} with no hints. */
  public static <V> Loaded<V> of(V value) {
    return new Builder<>(Objects.requireNonNull(value, "value"), false).build();
  }

  /** Starts a result holding {@code value}, to which hints can be added. */
  public static <V> Builder<V> builder(V value) {
    return new Builder<>(Objects.requireNonNull(value, "value"), false);
  }

  /**
   * Returns the result for a key the source does not have. The cache remembers it as a negative
   * entry if a negative TTL is configured.
   */
  @SuppressWarnings("unchecked")
  public static <V> Loaded<V> notFound() {
    return (Loaded<V>) NOT_FOUND;
  }

  /**
   * Starts a "not found" result that says how long the answer may be remembered ({@link
   * Builder#ttl}, or {@link Builder#ttlHint}, where zero means not at all) and where ({@link
   * Builder#storage}), as an HTTP 404 with its own {@code Cache-Control} does. What it does not
   * say, the cache's negative TTL decides. Other hints are ignored.
   */
  public static <V> Builder<V> notFoundBuilder() {
    return new Builder<>(null, false);
  }

  /**
   * Returns the result of a revalidation that found the cached value still current (an HTTP
   * 304): the cache keeps the value it has and gives it a new lifetime. Only meaningful from
   * {@link Loader#reload}; from a first load it means "not found".
   */
  @SuppressWarnings("unchecked")
  public static <V> Loaded<V> notModified() {
    return (Loaded<V>) NOT_MODIFIED;
  }

  /** Starts a "not modified" result to which a fresh TTL hint and validators can be added. */
  public static <V> Builder<V> notModifiedBuilder() {
    return new Builder<>(null, true);
  }

  /** Returns the value, or null when not found or not modified. */
  public @Nullable V value() {
    return value;
  }

  /** Returns whether this is the answer to a revalidation that kept the old value. */
  public boolean isNotModified() {
    return notModified;
  }

  /** Returns how long the source says the value stays fresh, or null if it did not say. */
  public @Nullable Duration ttlHint() {
    return ttlHint;
  }

  /**
   * Returns the exact time to live the loader demands, bypassing the cache's {@link TtlPolicy}
   * (as {@code put(key, value, ttl)} does), or null to let the policy decide.
   */
  public @Nullable Duration ttl() {
    return ttl;
  }

  /** Returns the source's stale-while-revalidate window, or null for the cache's default. */
  public @Nullable Duration staleWhileRevalidate() {
    return staleWhileRevalidate;
  }

  /** Returns the source's stale-if-error window, or null for the cache's default. */
  public @Nullable Duration staleIfError() {
    return staleIfError;
  }

  /**
   * Returns how long past its expiry the entry is kept for revalidation only, or null for none.
   */
  public @Nullable Duration revalidateWithin() {
    return revalidateWithin;
  }

  /** Returns the media type, or null. */
  public @Nullable String contentType() {
    return contentType;
  }

  /** Returns the HTTP entity tag, or null. */
  public @Nullable String etag() {
    return etag;
  }

  /** Returns the HTTP {@code Last-Modified} date, or null. */
  public @Nullable String lastModified() {
    return lastModified;
  }

  /** Returns where the value may be kept; {@link Storage#EVERYWHERE} unless the loader said less. */
  public Storage storage() {
    return storage;
  }

  @Override
  public String toString() {
    return notModified
        ? "Loaded{notModified}"
        : value == null ? "Loaded{notFound}" : "Loaded{value=" + value + ", ttlHint=" + ttlHint + '}';
  }

  /**
   * Builds a {@link Loaded}. Not thread-safe.
   *
   * @param <V> the type of value
   */
  public static final class Builder<V> {
    private final @Nullable V value;
    private final boolean notModified;
    private @Nullable Duration ttlHint;
    private @Nullable Duration ttl;
    private @Nullable Duration staleWhileRevalidate;
    private @Nullable Duration staleIfError;
    private @Nullable Duration revalidateWithin;
    private @Nullable String contentType;
    private @Nullable String etag;
    private @Nullable String lastModified;
    private Storage storage = Storage.EVERYWHERE;

    private Builder(@Nullable V value, boolean notModified) {
      this.value = value;
      this.notModified = notModified;
    }

    /**
     * Says how long the value stays fresh. Zero means "do not cache".
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder<V> ttlHint(Duration ttl) {
      this.ttlHint = nonNegative(ttl, "ttlHint");
      return this;
    }

    /**
     * Sets the exact time to live, bypassing the cache's {@link TtlPolicy}; the cache-aside
     * decorator uses it for {@code @Cached(ttl = ...)}.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder<V> ttl(Duration ttl) {
      Objects.requireNonNull(ttl, "ttl");
      if (ttl.isNegative() || ttl.isZero()) {
        throw new IllegalArgumentException("ttl must be positive, but was " + ttl);
      }
      this.ttl = ttl;
      return this;
    }

    /**
     * Makes the value stale from the start (an exact time to live of zero): it is kept only for
     * its {@link #revalidateWithin} window, so every use reloads it with its validators and a "not
     * modified" saves the transfer (HTTP {@code no-cache}); without that window it is kept nowhere.
     */
    public Builder<V> alwaysRevalidate() {
      this.ttl = Duration.ZERO;
      return this;
    }

    /** Sets a stale-while-revalidate window for this value. */
    public Builder<V> staleWhileRevalidate(Duration window) {
      this.staleWhileRevalidate = nonNegative(window, "staleWhileRevalidate");
      return this;
    }

    /** Sets a stale-if-error window for this value. */
    public Builder<V> staleIfError(Duration window) {
      this.staleIfError = nonNegative(window, "staleIfError");
      return this;
    }

    /**
     * Keeps the entry for {@code window} past its expiry, never served, only so that a {@link
     * Loader#reload} can send the validators it holds (an HTTP {@code ETag}) and get a cheap "not
     * modified" instead of the whole value again. Meaningful with {@link #etag} or {@link
     * #lastModified}.
     */
    public Builder<V> revalidateWithin(Duration window) {
      this.revalidateWithin = nonNegative(window, "revalidateWithin");
      return this;
    }

    /** Sets the media type. */
    public Builder<V> contentType(@Nullable String contentType) {
      this.contentType = contentType;
      return this;
    }

    /** Sets the HTTP entity tag. */
    public Builder<V> etag(@Nullable String etag) {
      this.etag = etag;
      return this;
    }

    /** Sets the HTTP {@code Last-Modified} date. */
    public Builder<V> lastModified(@Nullable String lastModified) {
      this.lastModified = lastModified;
      return this;
    }

    /**
     * Limits where the value may be kept: {@link Storage#LOCAL_ONLY} keeps it out of shared tiers,
     * {@link Storage#NOWHERE} out of every tier.
     */
    public Builder<V> storage(Storage storage) {
      this.storage = Objects.requireNonNull(storage, "storage");
      return this;
    }

    /** Returns the result. */
    public Loaded<V> build() {
      return new Loaded<>(this);
    }

    private static Duration nonNegative(Duration duration, String name) {
      Objects.requireNonNull(duration, name);
      if (duration.isNegative()) {
        throw new IllegalArgumentException(name + " must not be negative, but was " + duration);
      }
      return duration;
    }
  }
}
