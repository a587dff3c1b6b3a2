package io.strata.cache;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A value as a tier stores it: the value (or the fact that there is none) and its metadata.
 *
 * <p>Times are readings of the cache's {@link Ticker} in nanoseconds. A tier that keeps entries
 * outside this process (Redis, a file) must store them relative to "now" (remaining lifetime,
 * age) and rebuild absolute times with the ticker of the reading process.
 *
 * <p>An entry has three deadlines, in this order of meaning:
 *
 * <ul>
 *   <li>{@link #expiresAt()}: the end of its time to live. Before it the entry is fresh.
 *   <li>{@link #staleWhileRevalidateUntil()}: until then an expired entry may still be served while
 *       a reload runs in the background.
 *   <li>{@link #staleIfErrorUntil()}: until then an expired entry may be served when the loader
 *       fails or times out.
 *   <li>{@link #revalidateUntil()}: until then an expired entry is kept, never served, only so a
 *       reload can send its validators (an HTTP {@code If-None-Match}) and keep it if unchanged.
 * </ul>
 *
 * A tier must not keep the entry past {@link #retainUntil()}, the latest of these, and may drop
 * it at any time before.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param <V> the type of value
 */
public final class CacheEntry<V> {

  private final @Nullable V value;
  private final long createdAt;
  private final long expiresAt;
  private final long staleWhileRevalidateUntil;
  private final long staleIfErrorUntil;
  private final long revalidateUntil;
  private final long loadNanos;
  private final @Nullable String contentType;
  private final @Nullable String etag;
  private final @Nullable String lastModified;

  private CacheEntry(Builder<V> builder) {
    this.value = builder.value;
    this.createdAt = builder.createdAt;
    this.expiresAt = builder.expiresAt;
    this.staleWhileRevalidateUntil = Math.max(builder.staleWhileRevalidateUntil, expiresAt);
    this.staleIfErrorUntil = Math.max(builder.staleIfErrorUntil, expiresAt);
    this.revalidateUntil = Math.max(builder.revalidateUntil, expiresAt);
    this.loadNanos = builder.loadNanos;
    this.contentType = builder.contentType;
    this.etag = builder.etag;
    this.lastModified = builder.lastModified;
  }

  /**
   * Starts an entry holding {@code value}, created at {@code createdAt} and fresh until {@code
   * expiresAt} (both ticker readings).
   *
   * @throws IllegalArgumentException if {@code expiresAt} is before {@code createdAt}
   */
  public static <V> Builder<V> builder(V value, long createdAt, long expiresAt) {
    return new Builder<V>(Objects.requireNonNull(value, "value"), createdAt, expiresAt);
  }

  /**
   * Starts a negative entry: a remembered "not found", created at {@code createdAt} and valid
   * until {@code expiresAt}.
   */
  public static <V> Builder<V> negative(long createdAt, long expiresAt) {
    return new Builder<V>(null, createdAt, expiresAt);
  }

  /** Returns the value, or null if this is a negative entry. */
  public @Nullable V value() {
    return value;
  }

  /** Returns whether this entry records that the source has no value for the key. */
  public boolean isNegative() {
    return value == null;
  }

  /** Returns when the value was produced (a ticker reading). */
  public long createdAt() {
    return createdAt;
  }

  /** Returns the end of the time to live (a ticker reading). */
  public long expiresAt() {
    return expiresAt;
  }

  /** Returns until when the expired entry may be served while it is reloaded. */
  public long staleWhileRevalidateUntil() {
    return staleWhileRevalidateUntil;
  }

  /** Returns until when the expired entry may be served if reloading fails. */
  public long staleIfErrorUntil() {
    return staleIfErrorUntil;
  }

  /** Returns the latest deadline: a tier must not keep the entry past it. */
  public long retainUntil() {
    return Math.max(Math.max(staleWhileRevalidateUntil, staleIfErrorUntil), revalidateUntil);
  }

  /** Returns how long the value took to load, in nanoseconds, or 0 if unknown. */
  public long loadNanos() {
    return loadNanos;
  }

  /** Returns the media type of the value (for HTTP values), or null. */
  public @Nullable String contentType() {
    return contentType;
  }

  /** Returns the HTTP entity tag the value was served with, or null. */
  public @Nullable String etag() {
    return etag;
  }

  /** Returns the HTTP {@code Last-Modified} date the value was served with, or null. */
  public @Nullable String lastModified() {
    return lastModified;
  }

  /** Returns whether the entry is within its time to live at {@code now}. */
  public boolean isFresh(long now) {
    return now - expiresAt < 0;
  }

  /**
   * Returns until when the expired entry is kept for revalidation only (never served); equal to
   * {@link #expiresAt()} when it has no such window.
   */
  public long revalidateUntil() {
    return revalidateUntil;
  }

  /** Returns the nanoseconds from {@link #createdAt()} to {@link #expiresAt()}. */
  public long lifetimeNanos() {
    return expiresAt - createdAt;
  }

  /** Returns a builder initialised from this entry. */
  public Builder<V> toBuilder() {
    Builder<V> builder = new Builder<>(value, createdAt, expiresAt);
    builder.staleWhileRevalidateUntil = staleWhileRevalidateUntil;
    builder.staleIfErrorUntil = staleIfErrorUntil;
    builder.revalidateUntil = revalidateUntil;
    builder.loadNanos = loadNanos;
    builder.contentType = contentType;
    builder.etag = etag;
    builder.lastModified = lastModified;
    return builder;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof CacheEntry<?> other
        && Objects.equals(value, other.value)
        && createdAt == other.createdAt
        && expiresAt == other.expiresAt
        && staleWhileRevalidateUntil == other.staleWhileRevalidateUntil
        && staleIfErrorUntil == other.staleIfErrorUntil
        && revalidateUntil == other.revalidateUntil
        && loadNanos == other.loadNanos
        && Objects.equals(contentType, other.contentType)
        && Objects.equals(etag, other.etag)
        && Objects.equals(lastModified, other.lastModified);
  }

  @Override
  public int hashCode() {
    return Objects.hash(value, createdAt, expiresAt, contentType, etag);
  }

  @Override
  public String toString() {
    return "CacheEntry{"
        + (value == null ? "negative" : "value=" + value)
        + ", createdAt=" + createdAt
        + ", expiresAt=" + expiresAt
        + ", retainUntil=" + retainUntil()
        + (contentType == null ? "" : ", contentType=" + contentType)
        + (etag == null ? "" : ", etag=" + etag)
        + '}';
  }

  /**
   * Builds a {@link CacheEntry}. Not thread-safe.
   *
   * @param <V> the type of value
   */
  public static final class Builder<V> {
    private final @Nullable V value;
    private long createdAt;
    private long expiresAt;
    private long staleWhileRevalidateUntil;
    private long staleIfErrorUntil;
    private long revalidateUntil;
    private long loadNanos;
    private @Nullable String contentType;
    private @Nullable String etag;
    private @Nullable String lastModified;

    private Builder(@Nullable V value, long createdAt, long expiresAt) {
      if (expiresAt - createdAt < 0) {
        throw new IllegalArgumentException(
            "expiresAt must not be before createdAt, but was " + (expiresAt - createdAt) + "ns");
      }
      this.value = value;
      this.createdAt = createdAt;
      this.expiresAt = expiresAt;
      this.staleWhileRevalidateUntil = expiresAt;
      this.staleIfErrorUntil = expiresAt;
      this.revalidateUntil = expiresAt;
    }

    /** Lets the expired entry be served while it reloads, until {@code until}. */
    public Builder<V> staleWhileRevalidateUntil(long until) {
      this.staleWhileRevalidateUntil = until;
      return this;
    }

    /** Lets the expired entry be served when reloading fails, until {@code until}. */
    public Builder<V> staleIfErrorUntil(long until) {
      this.staleIfErrorUntil = until;
      return this;
    }

    /** Keeps the expired entry until {@code until}, for revalidation only. */
    public Builder<V> revalidateUntil(long until) {
      this.revalidateUntil = until;
      return this;
    }

    /** Records how long the value took to load; XFetch early refresh weighs by it. */
    public Builder<V> loadNanos(long nanos) {
      this.loadNanos = Math.max(0, nanos);
      return this;
    }

    /** Sets the media type of the value. */
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

    /** Returns the entry. */
    public CacheEntry<V> build() {
      return new CacheEntry<>(this);
    }
  }
}
