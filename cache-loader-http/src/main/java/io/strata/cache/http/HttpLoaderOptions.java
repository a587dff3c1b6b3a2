package io.strata.cache.http;

import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * How an {@link HttpLoader} talks to its upstream: timeouts, concurrency, limits, retries,
 * redirects, headers and the lifetime rules for responses. Immutable and thread-safe; start from
 * {@link #ofDefaults()} or {@link #builder()}, adjust a copy with {@link #toBuilder()}.
 *
 * <pre>{@code
 * HttpLoaderOptions options = HttpLoaderOptions.builder()
 *     .requestTimeout(Duration.ofSeconds(3))
 *     .maxAttempts(4)
 *     .requestHeader("X-Api-Key", apiKey)
 *     .build();
 * }</pre>
 */
public final class HttpLoaderOptions {

  /** Default time to establish a connection: 2 seconds. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);

  /** Default time for one attempt, from sending the request to the last byte of the body: 10 s. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

  /** Default number of requests in flight at once per loader: 32. */
  public static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 32;

  /** Default largest body accepted, as sent and once decompressed: 8 MiB. */
  public static final int DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

  /** Default longest percent-encoded path and query a key may add to the base URI: 2048. */
  public static final int DEFAULT_MAX_ENCODED_KEY_LENGTH = 2048;

  /** Default attempts per load, the first included: 3 (two retries). */
  public static final int DEFAULT_MAX_ATTEMPTS = 3;

  /** Default wait before the first retry, doubled for each further one: 100 ms. */
  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(100);

  /** Default longest backoff between two attempts: 2 seconds. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(2);

  /** Default jitter: each backoff is cut by a random amount of up to half of itself. */
  public static final double DEFAULT_BACKOFF_JITTER = 0.5;

  /**
   * Default longest {@code Retry-After} honoured: 10 seconds. An upstream asking for a longer wait
   * is not retried: the load fails at once (and the cache may serve a stale value).
   */
  public static final Duration DEFAULT_MAX_RETRY_AFTER = Duration.ofSeconds(10);

  /** Default number of redirects followed: 0 (a 3xx fails the load). */
  public static final int DEFAULT_MAX_REDIRECTS = 0;

  /** Default lifetime of a response that gives no freshness information: 5 minutes. */
  public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);

  /** Default shortest lifetime of a fresh response: zero (none). */
  public static final Duration DEFAULT_MINIMUM_TTL = Duration.ZERO;

  /** Default longest lifetime of any response: 1 day. */
  public static final Duration DEFAULT_MAXIMUM_TTL = Duration.ofDays(1);

  /**
   * Default time an expired response with a validator is kept, never served, so the next load can
   * revalidate it: 1 hour.
   */
  public static final Duration DEFAULT_REVALIDATION_WINDOW = Duration.ofHours(1);

  /**
   * Response headers an {@link HttpValue} keeps by default (lower case): {@code cache-control},
   * {@code content-language}, {@code etag}, {@code expires}, {@code last-modified}. The content type
   * is always kept, separately.
   */
  public static final Set<String> DEFAULT_KEPT_HEADERS =
      Collections.unmodifiableSet(
          new TreeSet<>(
              Set.of("cache-control", "content-language", "etag", "expires", "last-modified")));

  // Headers the loader sets itself, or that the JDK client owns.
  private static final Set<String> MANAGED_HEADERS =
      Set.of(
          "host", "connection", "content-length", "expect", "upgrade", "te", "transfer-encoding",
          "accept-encoding", "if-none-match", "if-modified-since", "if-match",
          "if-unmodified-since", "if-range", "range", "http2-settings", "keep-alive",
          "proxy-connection");

  private static final HttpLoaderOptions DEFAULTS = new Builder().build();

  private final Duration connectTimeout;
  private final Duration requestTimeout;
  private final int maxConcurrentRequests;
  private final int maxBodyBytes;
  private final int maxEncodedKeyLength;
  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final double backoffJitter;
  private final Duration maxRetryAfter;
  private final int maxRedirects;
  private final Duration defaultTtl;
  private final Duration minimumTtl;
  private final Duration maximumTtl;
  private final Duration revalidationWindow;
  private final boolean acceptGzip;
  private final HttpClient.Version httpVersion;
  private final Map<String, String> requestHeaders;
  private final Set<String> keptHeaders;
  private final Clock clock;
  private final Sleeper sleeper;

  private HttpLoaderOptions(Builder b) {
    this.connectTimeout = b.connectTimeout;
    this.requestTimeout = b.requestTimeout;
    this.maxConcurrentRequests = b.maxConcurrentRequests;
    this.maxBodyBytes = b.maxBodyBytes;
    this.maxEncodedKeyLength = b.maxEncodedKeyLength;
    this.maxAttempts = b.maxAttempts;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    this.backoffJitter = b.backoffJitter;
    this.maxRetryAfter = b.maxRetryAfter;
    this.maxRedirects = b.maxRedirects;
    this.defaultTtl = b.defaultTtl;
    this.minimumTtl = b.minimumTtl;
    this.maximumTtl = b.maximumTtl;
    this.revalidationWindow = b.revalidationWindow;
    this.acceptGzip = b.acceptGzip;
    this.httpVersion = b.httpVersion;
    this.requestHeaders = Collections.unmodifiableMap(new LinkedHashMap<>(b.requestHeaders));
    this.keptHeaders = Collections.unmodifiableSet(new TreeSet<>(b.keptHeaders));
    this.clock = b.clock;
    this.sleeper = b.sleeper;
  }

  /** Returns the options with every default. */
  public static HttpLoaderOptions ofDefaults() {
    return DEFAULTS;
  }

  /** Starts a builder with every default. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns a builder initialised with these options. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Returns the time allowed to establish a connection. */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /** Returns the time allowed for one attempt, until the last byte of the body. */
  public Duration requestTimeout() {
    return requestTimeout;
  }

  /** Returns how many requests one loader has in flight at most. */
  public int maxConcurrentRequests() {
    return maxConcurrentRequests;
  }

  /** Returns the largest body accepted, in bytes, as sent and once decompressed. */
  public int maxBodyBytes() {
    return maxBodyBytes;
  }

  /** Returns the longest percent-encoded path and query a key may add, in characters. */
  public int maxEncodedKeyLength() {
    return maxEncodedKeyLength;
  }

  /** Returns the attempts per load, the first included; 1 means no retries. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** Returns the backoff before the first retry. */
  public Duration initialBackoff() {
    return initialBackoff;
  }

  /** Returns the longest backoff. */
  public Duration maxBackoff() {
    return maxBackoff;
  }

  /** Returns the largest fraction by which a backoff is randomly shortened. */
  public double backoffJitter() {
    return backoffJitter;
  }

  /** Returns the longest {@code Retry-After} honoured; a longer one ends the retries. */
  public Duration maxRetryAfter() {
    return maxRetryAfter;
  }

  /** Returns how many same-origin redirects a load follows; 0 means none. */
  public int maxRedirects() {
    return maxRedirects;
  }

  /** Returns the lifetime of a response without {@code max-age}, {@code s-maxage} or {@code Expires}. */
  public Duration defaultTtl() {
    return defaultTtl;
  }

  /** Returns the shortest lifetime a fresh response gets (stale ones stay uncached). */
  public Duration minimumTtl() {
    return minimumTtl;
  }

  /** Returns the longest lifetime any response gets. */
  public Duration maximumTtl() {
    return maximumTtl;
  }

  /** Returns how long an expired response with a validator is kept for revalidation only. */
  public Duration revalidationWindow() {
    return revalidationWindow;
  }

  /** Returns whether requests ask for gzip ({@code Accept-Encoding: gzip}). */
  public boolean acceptGzip() {
    return acceptGzip;
  }

  /** Returns the preferred HTTP version (HTTP/2, falling back to HTTP/1.1 by default). */
  public HttpClient.Version httpVersion() {
    return httpVersion;
  }

  /** Returns the headers sent with every request, in insertion order. */
  public Map<String, String> requestHeaders() {
    return requestHeaders;
  }

  /** Returns the response headers kept in each {@link HttpValue}, lower case. */
  public Set<String> keptHeaders() {
    return keptHeaders;
  }

  /** Returns the wall clock used for {@code Expires} without {@code Date} and {@code Retry-After} dates. */
  public Clock clock() {
    return clock;
  }

  /** Returns what waits between retries. */
  public Sleeper sleeper() {
    return sleeper;
  }

  @Override
  public String toString() {
    return "HttpLoaderOptions{connectTimeout=" + connectTimeout
        + ", requestTimeout=" + requestTimeout
        + ", maxConcurrentRequests=" + maxConcurrentRequests
        + ", maxBodyBytes=" + maxBodyBytes
        + ", maxEncodedKeyLength=" + maxEncodedKeyLength
        + ", maxAttempts=" + maxAttempts
        + ", initialBackoff=" + initialBackoff
        + ", maxBackoff=" + maxBackoff
        + ", backoffJitter=" + backoffJitter
        + ", maxRetryAfter=" + maxRetryAfter
        + ", maxRedirects=" + maxRedirects
        + ", defaultTtl=" + defaultTtl
        + ", minimumTtl=" + minimumTtl
        + ", maximumTtl=" + maximumTtl
        + ", revalidationWindow=" + revalidationWindow
        + ", acceptGzip=" + acceptGzip
        + ", httpVersion=" + httpVersion
        + ", requestHeaders=" + requestHeaders.keySet() // names only: values may be secrets
        + ", keptHeaders=" + keptHeaders
        + '}';
  }

  /**
   * Builds {@link HttpLoaderOptions}. Each setter rejects a bad value at once with a message naming
   * the option; a later call replaces an earlier one. {@link #build()} checks the options that
   * depend on each other and leaves the builder unchanged. Not thread-safe.
   */
  public static final class Builder {
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private int maxConcurrentRequests = DEFAULT_MAX_CONCURRENT_REQUESTS;
    private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
    private int maxEncodedKeyLength = DEFAULT_MAX_ENCODED_KEY_LENGTH;
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private double backoffJitter = DEFAULT_BACKOFF_JITTER;
    private Duration maxRetryAfter = DEFAULT_MAX_RETRY_AFTER;
    private int maxRedirects = DEFAULT_MAX_REDIRECTS;
    private Duration defaultTtl = DEFAULT_TTL;
    private Duration minimumTtl = DEFAULT_MINIMUM_TTL;
    private Duration maximumTtl = DEFAULT_MAXIMUM_TTL;
    private Duration revalidationWindow = DEFAULT_REVALIDATION_WINDOW;
    private boolean acceptGzip = true;
    private HttpClient.Version httpVersion = HttpClient.Version.HTTP_2;
    private final Map<String, String> requestHeaders = new LinkedHashMap<>();
    private Set<String> keptHeaders = DEFAULT_KEPT_HEADERS;
    private Clock clock = Clock.systemUTC();
    private Sleeper sleeper = Sleeper.system();

    private Builder() {}

    private Builder(HttpLoaderOptions o) {
      connectTimeout = o.connectTimeout;
      requestTimeout = o.requestTimeout;
      maxConcurrentRequests = o.maxConcurrentRequests;
      maxBodyBytes = o.maxBodyBytes;
      maxEncodedKeyLength = o.maxEncodedKeyLength;
      maxAttempts = o.maxAttempts;
      initialBackoff = o.initialBackoff;
      maxBackoff = o.maxBackoff;
      backoffJitter = o.backoffJitter;
      maxRetryAfter = o.maxRetryAfter;
      maxRedirects = o.maxRedirects;
      defaultTtl = o.defaultTtl;
      minimumTtl = o.minimumTtl;
      maximumTtl = o.maximumTtl;
      revalidationWindow = o.revalidationWindow;
      acceptGzip = o.acceptGzip;
      httpVersion = o.httpVersion;
      requestHeaders.putAll(o.requestHeaders);
      keptHeaders = o.keptHeaders;
      clock = o.clock;
      sleeper = o.sleeper;
    }

    /** Sets the time allowed to establish a connection. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connectTimeout");
      return this;
    }

    /**
     * Sets the time allowed for one attempt, from sending the request to the last byte of the
     * body, and for waiting for a free request slot.
     */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout, "requestTimeout");
      return this;
    }

    /**
     * Bounds how many requests the loader has in flight at once; further loads wait for a slot. A
     * bulk load uses its calling thread and up to {@code max - 1} helper threads of the loader.
     */
    public Builder maxConcurrentRequests(int max) {
      this.maxConcurrentRequests = atLeast(max, 1, "maxConcurrentRequests");
      return this;
    }

    /** Sets the largest body accepted, in bytes, both as sent and once decompressed. */
    public Builder maxBodyBytes(int max) {
      this.maxBodyBytes = atLeast(max, 1, "maxBodyBytes");
      return this;
    }

    /** Sets the longest percent-encoded path and query a key may add to the base URI. */
    public Builder maxEncodedKeyLength(int max) {
      this.maxEncodedKeyLength = atLeast(max, 1, "maxEncodedKeyLength");
      return this;
    }

    /**
     * Sets the attempts per load, the first included: 1 disables retries. Retried: connection
     * failures, 5xx and 429. Never retried: other 4xx, timeouts, oversized bodies.
     */
    public Builder maxAttempts(int attempts) {
      if (attempts < 1 || attempts > 10) {
        throw new IllegalArgumentException("maxAttempts must be in [1, 10], but was " + attempts);
      }
      this.maxAttempts = attempts;
      return this;
    }

    /** Sets the backoff before the first retry; each further retry doubles it, up to maxBackoff. */
    public Builder initialBackoff(Duration backoff) {
      this.initialBackoff = positive(backoff, "initialBackoff");
      return this;
    }

    /** Sets the longest backoff between two attempts. */
    public Builder maxBackoff(Duration backoff) {
      this.maxBackoff = positive(backoff, "maxBackoff");
      return this;
    }

    /**
     * Sets the jitter: each backoff is shortened by a random fraction of itself in [0, {@code
     * fraction}), so that many clients failing together do not retry together. 0 turns it off.
     */
    public Builder backoffJitter(double fraction) {
      if (!(fraction >= 0 && fraction < 1)) {
        throw new IllegalArgumentException("backoffJitter must be in [0, 1), but was " + fraction);
      }
      this.backoffJitter = fraction;
      return this;
    }

    /**
     * Sets the longest {@code Retry-After} (of a 429 or 503) honoured. A longer one is not
     * shortened: the load fails without retrying. Zero never waits for a {@code Retry-After}.
     */
    public Builder maxRetryAfter(Duration max) {
      this.maxRetryAfter = nonNegative(max, "maxRetryAfter");
      return this;
    }

    /**
     * Follows up to {@code max} redirects, only to the same origin (scheme, host and port) as the
     * base URI; a redirect elsewhere fails the load. 0, the default, follows none.
     */
    public Builder maxRedirects(int max) {
      if (max < 0 || max > 20) {
        throw new IllegalArgumentException("maxRedirects must be in [0, 20], but was " + max);
      }
      this.maxRedirects = max;
      return this;
    }

    /** Sets the lifetime of a response that has no {@code max-age}, {@code s-maxage} or {@code Expires}. */
    public Builder defaultTtl(Duration ttl) {
      this.defaultTtl = positive(ttl, "defaultTtl");
      return this;
    }

    /**
     * Sets the shortest lifetime of a fresh response. It never makes a stale or uncacheable
     * response ({@code no-store}, {@code no-cache}, {@code max-age=0}) cacheable.
     */
    public Builder minimumTtl(Duration ttl) {
      this.minimumTtl = nonNegative(ttl, "minimumTtl");
      return this;
    }

    /** Sets the longest lifetime any response gets, whatever the upstream says. */
    public Builder maximumTtl(Duration ttl) {
      this.maximumTtl = positive(ttl, "maximumTtl");
      return this;
    }

    /**
     * Sets how long an expired response that has an {@code ETag} or {@code Last-Modified} is
     * kept, never served, so that the next load sends {@code If-None-Match} / {@code
     * If-Modified-Since} and a 304 keeps the body without downloading it; default 1 hour, zero
     * turns it off.
     */
    public Builder revalidationWindow(Duration window) {
      this.revalidationWindow = nonNegative(window, "revalidationWindow");
      return this;
    }

    /** Sets whether requests ask for gzip; a gzip answer is inflated within maxBodyBytes. */
    public Builder acceptGzip(boolean accept) {
      this.acceptGzip = accept;
      return this;
    }

    /** Sets the preferred HTTP version; HTTP/2 falls back to HTTP/1.1 when the server lacks it. */
    public Builder httpVersion(HttpClient.Version version) {
      this.httpVersion = Objects.requireNonNull(version, "httpVersion");
      return this;
    }

    /**
     * Adds a header sent with every request (an API key, {@code Accept}), replacing one of the same
     * name. A request carrying {@code Authorization} makes responses local-only unless they say
     * {@code public}, {@code s-maxage} or {@code must-revalidate} (RFC 9111, section 3.5).
     *
     * @throws IllegalArgumentException if the name is not an HTTP token, the value holds control
     *     characters, or the header is one the loader or the client manages ({@code Host}, {@code
     *     If-None-Match}, {@code Accept-Encoding}...)
     */
    public Builder requestHeader(String name, String value) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      if (name.isEmpty() || !name.chars().allMatch(Builder::isTokenChar)) {
        throw new IllegalArgumentException(
            "requestHeader name must be an HTTP token, but was '" + name + "'");
      }
      String lower = name.toLowerCase(Locale.ROOT);
      if (MANAGED_HEADERS.contains(lower)) {
        throw new IllegalArgumentException(
            "requestHeader '" + name + "' cannot be set: the loader or the HTTP client manages it");
      }
      if (value.chars().anyMatch(c -> (c < 0x20 && c != '\t') || c == 0x7f)) {
        throw new IllegalArgumentException(
            "requestHeader '" + name + "' value must not contain control characters (CR, LF...)");
      }
      requestHeaders.keySet().removeIf(existing -> existing.equalsIgnoreCase(name));
      requestHeaders.put(name, value);
      return this;
    }

    /**
     * Sets the response headers each {@link HttpValue} keeps (case-insensitive), replacing the
     * default set. Keep {@code cache-control} and {@code expires} if 304 answers without them should
     * keep the first response's freshness rules.
     *
     * @throws IllegalArgumentException if a name is not an HTTP token, or is {@code set-cookie}
     *     (a cookie for one client must never be shared through a cache)
     */
    public Builder keptHeaders(Set<String> names) {
      Objects.requireNonNull(names, "names");
      Set<String> lower = new TreeSet<>();
      for (String name : names) {
        Objects.requireNonNull(name, "keptHeaders contains null");
        if (name.isEmpty() || !name.chars().allMatch(Builder::isTokenChar)) {
          throw new IllegalArgumentException(
              "keptHeaders names must be HTTP tokens, but one was '" + name + "'");
        }
        String l = name.toLowerCase(Locale.ROOT);
        if (l.equals("set-cookie") || l.equals("set-cookie2")) {
          throw new IllegalArgumentException(
              "keptHeaders must not contain '" + name + "': cookies must not be shared via a cache");
        }
        lower.add(l);
      }
      this.keptHeaders = Collections.unmodifiableSet(lower);
      return this;
    }

    /** Sets the wall clock for {@code Expires} without {@code Date} and {@code Retry-After} dates (tests). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Sets what waits between retries (tests: one that records instead of sleeping). */
    public Builder sleeper(Sleeper sleeper) {
      this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
      return this;
    }

    /**
     * Returns the options.
     *
     * @throws IllegalStateException if initialBackoff exceeds maxBackoff, or the TTL bounds do not
     *     hold minimumTtl &le; defaultTtl &le; maximumTtl
     */
    public HttpLoaderOptions build() {
      if (initialBackoff.compareTo(maxBackoff) > 0) {
        throw new IllegalStateException(
            "initialBackoff (" + initialBackoff + ") must not exceed maxBackoff (" + maxBackoff + ")");
      }
      if (minimumTtl.compareTo(maximumTtl) > 0) {
        throw new IllegalStateException(
            "minimumTtl (" + minimumTtl + ") must not exceed maximumTtl (" + maximumTtl + ")");
      }
      if (defaultTtl.compareTo(minimumTtl) < 0 || defaultTtl.compareTo(maximumTtl) > 0) {
        throw new IllegalStateException(
            "defaultTtl (" + defaultTtl + ") must be between minimumTtl (" + minimumTtl
                + ") and maximumTtl (" + maximumTtl + ")");
      }
      return new HttpLoaderOptions(this);
    }

    private static boolean isTokenChar(int c) {
      return (c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    private static Duration positive(@Nullable Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, but was " + d);
      }
      return d;
    }

    private static Duration nonNegative(@Nullable Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative()) {
        throw new IllegalArgumentException(name + " must not be negative, but was " + d);
      }
      return d;
    }

    private static int atLeast(int value, int min, String name) {
      if (value < min) {
        throw new IllegalArgumentException(name + " must be at least " + min + ", but was " + value);
      }
      return value;
    }
  }
}
