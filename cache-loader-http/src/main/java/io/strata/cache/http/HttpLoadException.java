package io.strata.cache.http;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Thrown by {@link HttpLoader} when the upstream gave no usable answer after the retries allowed.
 * It reaches a cache's callers only when the cache has no stale value to serve instead (see the
 * cache's {@code staleIfError}). Messages name the URI without its query, which may hold
 * credentials of the base URI.
 *
 * <p>Keys that cannot be turned into a request are not reported with it but with an {@link
 * IllegalArgumentException}, before any I/O.
 */
public final class HttpLoadException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Why a load failed. */
  public enum Reason {
    /** The upstream answered with a status that is not a value, a 304 or a 404/410. */
    STATUS,
    /** The body (as sent, or once decompressed) exceeded {@link HttpLoaderOptions#maxBodyBytes()}. */
    BODY_TOO_LARGE,
    /** The connection failed or broke (refused, reset, truncated body). */
    CONNECTION,
    /** The exchange exceeded the request timeout, or no request slot freed up within it. */
    TIMEOUT,
    /** A redirect was not followed: redirects are off, cross-origin, or too many. */
    REDIRECT,
    /**
     * The response broke the protocol (a malformed status line, a status outside 100-599, an
     * unknown content encoding, a corrupt gzip stream). Not retried.
     */
    INVALID_RESPONSE,
    /** The loading thread was interrupted; its interrupt flag is set again. */
    INTERRUPTED
  }

  private final Reason reason;
  private final int statusCode;

  /**
   * Creates an exception.
   *
   * @param reason why the load failed
   * @param statusCode the last HTTP status received, or 0 if none
   * @param message what failed, without secrets
   * @param cause the underlying I/O failure, or null
   */
  public HttpLoadException(
      Reason reason, int statusCode, String message, @Nullable Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
    this.statusCode = statusCode;
  }

  /** Returns why the load failed. */
  public Reason reason() {
    return reason;
  }

  /** Returns the last HTTP status received, or 0 if no response arrived. */
  public int statusCode() {
    return statusCode;
  }
}
