package io.strata.cache.http.internal;

import io.strata.cache.Loaded;
import io.strata.cache.http.HttpLoadException;
import io.strata.cache.http.HttpLoadException.Reason;
import io.strata.cache.http.HttpLoaderOptions;
import io.strata.cache.http.HttpTarget;
import io.strata.cache.http.HttpValue;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Does the I/O of an {@code HttpLoader}: one GET with a bounded body per attempt, same-origin
 * redirects when allowed, retries with backoff, the translation of the answer into a {@link
 * Loaded}, and bulk loads spread over a bounded set of threads ({@link BulkLoad}). Thread-safe.
 */
public final class HttpLoaderEngine {

  /** How long an idle bulk helper thread lives before it ends. */
  private static final long HELPER_KEEP_ALIVE_SECONDS = 30;

  private static final BooleanSupplier NEVER = () -> false;
  private static final AtomicInteger HELPER_COUNT = new AtomicInteger();

  private final TargetUris uris;
  private final HttpLoaderOptions options;
  private final HttpClient client;
  private final Semaphore slots;
  private final boolean authorized;
  /** Helps callers of {@link #loadAll}; null when maxConcurrentRequests is 1. */
  private final @Nullable Executor bulkHelpers;

  public HttpLoaderEngine(URI baseUri, HttpLoaderOptions options) {
    this.uris = TargetUris.of(baseUri);
    this.options = options;
    this.client =
        HttpClient.newBuilder()
            .version(options.httpVersion())
            .connectTimeout(options.connectTimeout())
            // Redirects are followed here, where their origin is checked, never by the client.
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    this.slots = new Semaphore(options.maxConcurrentRequests());
    this.authorized =
        options.requestHeaders().keySet().stream().anyMatch(n -> n.equalsIgnoreCase("authorization"));
    this.bulkHelpers = bulkHelpers(options.maxConcurrentRequests() - 1);
  }

  /**
   * At most {@code max} daemon threads, started when a bulk load asks for help and none is idle,
   * ended after {@link #HELPER_KEEP_ALIVE_SECONDS} idle: a loader that does no bulk load has none,
   * and no shutdown is needed. Never queues: with every helper busy, a task is rejected and the
   * caller does the work itself.
   */
  private static @Nullable Executor bulkHelpers(int max) {
    if (max < 1) {
      return null;
    }
    return new ThreadPoolExecutor(
        0,
        max,
        HELPER_KEEP_ALIVE_SECONDS,
        TimeUnit.SECONDS,
        new SynchronousQueue<>(),
        runnable -> {
          // No inherited thread locals (an MDC, a request context) from the caller that started it.
          Thread thread =
              new Thread(null, runnable, "strata-http-bulk-" + HELPER_COUNT.incrementAndGet(), 0, false);
          thread.setDaemon(true);
          return thread;
        });
  }

  public URI base() {
    return uris.base();
  }

  /** Returns the URI of {@code target}; IllegalArgumentException for a hostile or long key. */
  public URI uri(HttpTarget target) {
    return uris.resolve(target, options.maxEncodedKeyLength());
  }

  /** Fetches {@code uri} and returns what the cache should do with the answer. */
  public Loaded<HttpValue> load(URI uri) {
    return toLoaded(fetch(uri, null, null, NEVER), null);
  }

  /**
   * Fetches every one of {@code uris} as {@link #load} does, concurrently: the calling thread and
   * up to maxConcurrentRequests - 1 helper threads take them in turn, so that with other loads the
   * request slots are never exceeded. Returns the answers in the order of {@code uris}.
   *
   * <p>After a failure no further request starts and no retry is made; the requests under way are
   * awaited, then the first failure is thrown with the others suppressed. Interrupted, the caller
   * does not wait for the requests under way: it sets its interrupt flag again and throws.
   */
  public List<Loaded<HttpValue>> loadAll(List<URI> targets) {
    if (targets.isEmpty()) {
      return List.of();
    }
    if (Thread.currentThread().isInterrupted()) {
      throw new HttpLoadException(
          Reason.INTERRUPTED, 0, "interrupted before a bulk load of " + targets.size() + " URIs", null);
    }
    BulkLoad bulk = new BulkLoad(targets);
    int helpers = Math.min(targets.size(), options.maxConcurrentRequests()) - 1;
    for (int i = 0; i < helpers && bulkHelpers != null; i++) {
      try {
        bulkHelpers.execute(bulk::work);
      } catch (RejectedExecutionException e) {
        break; // every helper is busy with other bulk loads: this caller does more itself
      }
    }
    bulk.work();
    return bulk.await();
  }

  /**
   * Fetches {@code uri} with validators; a 304 becomes {@link Loaded#notModified} with the
   * freshness of its own headers laid over those kept in {@code previous}.
   */
  public Loaded<HttpValue> revalidate(
      URI uri, @Nullable String etag, @Nullable String lastModified, HttpValue previous) {
    if (etag == null && lastModified == null) {
      return reload(uri);
    }
    Response response = fetch(uri, etag, lastModified, NEVER);
    if (response.status() == 304) {
      return notModified(response, previous, etag);
    }
    return toLoaded(response, previous);
  }

  /** Fetches {@code uri} for a key the cache may hold an expired entry of, without validators. */
  public Loaded<HttpValue> reload(URI uri) {
    return toLoaded(fetch(uri, null, null, NEVER), null);
  }

  /**
   * Turns an answer into what the cache should do with it.
   *
   * @param previous the stored value a conditional request was made for, else null
   */
  private Loaded<HttpValue> toLoaded(Response response, @Nullable HttpValue previous) {
    int status = response.status();
    if (status == 304) {
      if (previous == null) {
        throw new HttpLoadException(
            Reason.INVALID_RESPONSE, status,
            "304 Not Modified from " + TargetUris.redact(response.uri())
                + " answered a request without validators", null);
      }
      return notModified(response, previous, previous.etag().orElse(null));
    }
    if (status == 404 || status == 410) {
      return notFound(response);
    }
    if (status >= 200 && status < 300 && status != 206) {
      Map<String, List<String>> kept = kept(response.headers());
      String contentType = first(response.headers(), "content-type");
      HttpValue value = HttpValue.of(status, response.body(), contentType, kept);
      return valueOf(value, status, response.headers(), response.receivedAt());
    }
    throw statusFailure(response, "");
  }

  /** The value {@code value} with the freshness of {@code headers}, validators included. */
  private Loaded<HttpValue> valueOf(
      HttpValue value, int status, Map<String, List<String>> headers, Instant receivedAt) {
    Freshness freshness = Freshness.of(status, headers, receivedAt, options, authorized);
    Loaded.Builder<HttpValue> builder =
        Loaded.builder(value)
            .contentType(value.contentType())
            .etag(first(headers, "etag"))
            .lastModified(first(headers, "last-modified"));
    boolean validated = first(headers, "etag") != null || first(headers, "last-modified") != null;
    return keepForRevalidation(apply(builder, freshness, validated), validated).build();
  }

  /**
   * A 304: the stored response, its headers updated with the 304's (RFC 9111, 4.3.4; never
   * Content-Length), with the freshness of the updated headers. When the headers are unchanged
   * the cache keeps the value it has ({@link Loaded#notModified}); else it gets the updated value,
   * with the same body (nothing downloaded again). A 304 whose ETag does not match the stored one
   * (strongly, or weakly when the 304's is weak) does not select it: the body is fetched again.
   */
  private Loaded<HttpValue> notModified(
      Response response, HttpValue previous, @Nullable String storedTag) {
    String newTag = first(response.headers(), "etag");
    if (newTag != null && !etagMatches(storedTag, newTag.trim())) {
      return toLoaded(fetch(response.uri(), null, null, NEVER), null);
    }
    Map<String, List<String>> merged = new LinkedHashMap<>(previous.headers());
    response.headers().forEach(
        (name, values) -> {
          if (!UNUPDATABLE.contains(name)) {
            merged.put(name, values);
          }
        });
    Map<String, List<String>> kept = kept(merged);
    if (kept.equals(previous.headers())) {
      Freshness freshness =
          Freshness.of(previous.status(), merged, response.receivedAt(), options, authorized);
      Loaded.Builder<HttpValue> builder = Loaded.notModifiedBuilder();
      builder.etag(first(response.headers(), "etag"));
      builder.lastModified(first(response.headers(), "last-modified"));
      return keepForRevalidation(apply(builder, freshness, true), true).build();
    }
    HttpValue updated =
        HttpValue.of(previous.status(), previous.body(), previous.contentType(), kept);
    return valueOf(updated, previous.status(), merged, response.receivedAt());
  }

  /** Headers a 304 never replaces in the stored response. */
  private static final java.util.Set<String> UNUPDATABLE =
      java.util.Set.of("content-length", "content-encoding", "transfer-encoding", "content-range");

  /** RFC 9110, 8.8.3.2: strong comparison unless the 304's tag is weak, then weak comparison. */
  private static boolean etagMatches(@Nullable String stored, String received) {
    if (stored == null) {
      return false;
    }
    String s = stored.trim();
    if (!received.startsWith("W/")) {
      return !s.startsWith("W/") && s.equals(received);
    }
    return (s.startsWith("W/") ? s.substring(2) : s).equals(received.substring(2));
  }

  /**
   * 404/410 by their own headers (RFC 9111, 3): {@code no-store}, {@code no-cache} or a response
   * already stale by its own {@code max-age}/{@code Expires} is remembered nowhere; {@code private}
   * only locally; an explicit lifetime is the negative entry's; a 404 that says nothing gets the
   * cache's negativeTtl. An expired value the cache held for the key is dropped either way.
   */
  private Loaded<HttpValue> notFound(Response response) {
    Freshness freshness =
        Freshness.of(response.status(), response.headers(), response.receivedAt(), options, authorized);
    Loaded.Builder<HttpValue> builder =
        Loaded.<HttpValue>notFoundBuilder().storage(freshness.storage());
    if (freshness.ttl().isZero()) {
      builder.ttlHint(Duration.ZERO);
    } else if (Freshness.statesLifetime(response.headers())) {
      builder.ttlHint(freshness.ttl()); // its own lifetime, within the loader's bounds
    }
    return builder.build();
  }

  private Map<String, List<String>> kept(Map<String, List<String>> headers) {
    Map<String, List<String>> kept = new java.util.TreeMap<>();
    for (String name : options.keptHeaders()) {
      List<String> values = headers.get(name);
      if (values != null) {
        kept.put(name, List.copyOf(values));
      }
    }
    return kept;
  }

  /** Keeps an expired response with a validator, so the next load can ask "modified since?". */
  private Loaded.Builder<HttpValue> keepForRevalidation(
      Loaded.Builder<HttpValue> builder, boolean validated) {
    if (validated && !options.revalidationWindow().isZero()) {
      builder.revalidateWithin(options.revalidationWindow());
    }
    return builder;
  }

  private Loaded.Builder<HttpValue> apply(
      Loaded.Builder<HttpValue> builder, Freshness freshness, boolean validated) {
    if (freshness.mustRevalidate() && validated && !options.revalidationWindow().isZero()) {
      // no-cache (RFC 9111, 5.2.2.4): stored, but every use revalidates (a 304 saves the body).
      return builder.alwaysRevalidate().storage(freshness.storage());
    }
    if (freshness.ttl().isZero()) {
      // Loaded rejects an exact TTL of zero; NOWHERE keeps the answer out of every tier instead.
      return builder.ttlHint(Duration.ZERO).storage(Loaded.Storage.NOWHERE);
    }
    builder.ttl(freshness.ttl()).ttlHint(freshness.hint()).storage(freshness.storage());
    if (freshness.staleWhileRevalidate() != null) {
      builder.staleWhileRevalidate(freshness.staleWhileRevalidate());
    }
    if (freshness.staleIfError() != null) {
      builder.staleIfError(freshness.staleIfError());
    }
    return builder;
  }

  // ---------------------------------------------------------------- bulk loads

  /**
   * One call of {@link #loadAll}: the URIs not yet taken, the answers, the failures. Its threads
   * (the caller and the helpers) take URIs in order; the first failure stops it, so no request
   * starts and no retry is made after it ({@link #fetch} asks {@link #stopped} before each retry).
   */
  private final class BulkLoad {

    private final List<URI> targets;
    private final List<@Nullable Loaded<HttpValue>> answers;
    private final List<Throwable> failures = new ArrayList<>(1); // guarded by this
    private int next; // guarded by this
    private int running; // guarded by this
    private volatile boolean stopped;

    BulkLoad(List<URI> targets) {
      this.targets = targets;
      this.answers = new ArrayList<>(targets.size());
      for (int i = 0; i < targets.size(); i++) {
        answers.add(null);
      }
    }

    /** Loads URIs in turn until none is left or the bulk load has failed. */
    void work() {
      for (int i = claim(); i >= 0; i = claim()) {
        Loaded<HttpValue> answer = null;
        Throwable failure = null;
        try {
          answer = toLoaded(fetch(targets.get(i), null, null, this::isStopped), null);
        } catch (RuntimeException | Error e) {
          failure = e;
        }
        finish(i, answer, failure);
      }
    }

    private boolean isStopped() {
      return stopped;
    }

    private synchronized int claim() {
      if (stopped || next == targets.size()) {
        return -1;
      }
      running++;
      return next++;
    }

    private synchronized void finish(
        int index, @Nullable Loaded<HttpValue> answer, @Nullable Throwable failure) {
      running--;
      if (failure != null) {
        failures.add(failure);
        stopped = true;
      } else {
        answers.set(index, answer);
      }
      if (running == 0) {
        notifyAll();
      }
    }

    /** Waits for the requests under way, then returns every answer or throws the first failure. */
    synchronized List<Loaded<HttpValue>> await() {
      try {
        while (running > 0) {
          wait();
        }
      } catch (InterruptedException e) {
        stopped = true;
        Thread.currentThread().interrupt();
        if (failures.isEmpty()) {
          failures.add(
              new HttpLoadException(
                  Reason.INTERRUPTED, 0,
                  "interrupted waiting for " + running + " request(s) of a bulk load of "
                      + targets.size() + " URIs", e));
        }
      }
      if (!failures.isEmpty()) {
        Throwable first = failures.get(0);
        for (Throwable other : failures.subList(1, failures.size())) {
          if (other != first) {
            first.addSuppressed(other);
          }
        }
        if (first instanceof Error error) {
          throw error;
        }
        throw (RuntimeException) first;
      }
      List<Loaded<HttpValue>> all = new ArrayList<>(answers.size());
      for (Loaded<HttpValue> answer : answers) {
        all.add(Objects.requireNonNull(answer));
      }
      return all;
    }
  }

  // ---------------------------------------------------------------- retries

  /**
   * Fetches {@code uri}, retrying connection failures, 5xx and 429 until the attempts run out or
   * {@code abandoned} says the load no longer matters (asked before and after each backoff); then
   * the last failure is thrown.
   */
  private Response fetch(
      URI uri, @Nullable String etag, @Nullable String lastModified, BooleanSupplier abandoned) {
    for (int attempt = 1; ; attempt++) {
      HttpLoadException failure;
      Duration wait;
      try {
        Response response = followingRedirects(uri, etag, lastModified);
        int status = response.status();
        if (status < 100 || status > 599) {
          // Three digits, 100 to 599 (RFC 9110, section 15); the JDK client passes any three.
          throw new HttpLoadException(
              Reason.INVALID_RESPONSE, status,
              "status " + status + " from " + TargetUris.redact(response.uri())
                  + " is not an HTTP status", null);
        }
        if (status != 429 && status < 500) {
          return response;
        }
        failure = statusFailure(response, " after " + attempt + " attempt(s)");
        if (attempt >= options.maxAttempts() || abandoned.getAsBoolean()) {
          throw failure;
        }
        Duration retryAfter = retryAfter(response);
        if (retryAfter == null) {
          wait = backoff(attempt);
        } else if (retryAfter.compareTo(options.maxRetryAfter()) > 0) {
          throw statusFailure(
              response,
              "; it asked to retry after " + retryAfter + ", more than maxRetryAfter ("
                  + options.maxRetryAfter() + ")");
        } else {
          wait = retryAfter;
        }
      } catch (HttpLoadException e) {
        if (e.reason() != Reason.CONNECTION
            || attempt >= options.maxAttempts()
            || abandoned.getAsBoolean()) {
          throw e;
        }
        failure = e;
        wait = backoff(attempt);
      }
      try {
        options.sleeper().sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new HttpLoadException(
            Reason.INTERRUPTED, 0, "interrupted while waiting to retry " + TargetUris.redact(uri), e);
      }
      if (abandoned.getAsBoolean()) {
        throw failure;
      }
    }
  }

  /** The backoff after failed attempt {@code attempt}: doubling, capped, shortened by jitter. */
  Duration backoff(int attempt) {
    long nanos = options.initialBackoff().toNanos();
    long max = options.maxBackoff().toNanos();
    for (int i = 1; i < attempt && nanos < max; i++) {
      nanos = nanos > max / 2 ? max : nanos * 2;
    }
    nanos = Math.min(nanos, max);
    double cut = options.backoffJitter() * ThreadLocalRandom.current().nextDouble();
    return Duration.ofNanos(Math.max(1, (long) (nanos * (1 - cut))));
  }

  /** Retry-After as delta-seconds or an HTTP date; null when absent or unreadable. */
  private @Nullable Duration retryAfter(Response response) {
    String value = first(response.headers(), "retry-after");
    if (value == null) {
      return null;
    }
    long seconds = Freshness.deltaSeconds(value.trim());
    if (seconds >= 0) {
      return Duration.ofSeconds(seconds);
    }
    Instant date = Freshness.parseHttpDate(value);
    if (date == null) {
      return null;
    }
    Duration until = Duration.between(options.clock().instant(), date);
    return until.isNegative() ? Duration.ZERO : until;
  }

  // ---------------------------------------------------------------- one exchange

  private Response followingRedirects(URI uri, @Nullable String etag, @Nullable String lastModified) {
    URI current = uri;
    for (int hop = 0; ; hop++) {
      Response response = exchange(current, etag, lastModified);
      int status = response.status();
      if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308) {
        return response;
      }
      if (options.maxRedirects() == 0) {
        throw new HttpLoadException(
            Reason.REDIRECT, status,
            "redirect " + status + " from " + TargetUris.redact(current)
                + " not followed: redirects are off (set maxRedirects to follow same-origin ones)",
            null);
      }
      if (hop >= options.maxRedirects()) {
        throw new HttpLoadException(
            Reason.REDIRECT, status,
            "more than maxRedirects (" + options.maxRedirects() + ") redirects from "
                + TargetUris.redact(uri), null);
      }
      String location = first(response.headers(), "location");
      URI next;
      try {
        next = location == null ? null : current.resolve(location.trim());
      } catch (IllegalArgumentException e) {
        next = null;
      }
      if (next == null || !uris.withinBase(next)) {
        throw new HttpLoadException(
            Reason.REDIRECT, status,
            "redirect " + status + " from " + TargetUris.redact(current)
                + " refused: only redirects below the base URI (" + TargetUris.redact(uris.base())
                + ") are followed", null);
      }
      if (next.getRawFragment() != null) {
        next = URI.create(next.toString().substring(0, next.toString().indexOf('#')));
      }
      current = next;
    }
  }

  private Response exchange(URI uri, @Nullable String etag, @Nullable String lastModified) {
    Duration timeout = options.requestTimeout();
    try {
      if (!slots.tryAcquire(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new HttpLoadException(
            Reason.TIMEOUT, 0,
            "no request slot freed up within " + timeout + " (maxConcurrentRequests is "
                + options.maxConcurrentRequests() + ")", null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HttpLoadException(Reason.INTERRUPTED, 0, "interrupted waiting for a request slot", e);
    }
    try {
      // A GET whose empty body refuses to be sent twice: the client's silent resend stops here.
      HttpRequest.Builder request =
          HttpRequest.newBuilder(uri).method("GET", new SendOnce()).timeout(timeout);
      options.requestHeaders().forEach(request::setHeader);
      if (options.acceptGzip()) {
        request.setHeader("Accept-Encoding", "gzip");
      }
      if (etag != null) {
        request.setHeader("If-None-Match", etag);
      }
      if (lastModified != null) {
        request.setHeader("If-Modified-Since", lastModified);
      }
      CompletableFuture<HttpResponse<byte[]>> future =
          client.sendAsync(request.build(), this::bodyHandler);
      HttpResponse<byte[]> response;
      try {
        response = future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        future.cancel(true);
        throw new HttpLoadException(
            Reason.TIMEOUT, 0,
            "no complete answer from " + TargetUris.redact(uri) + " within requestTimeout (" + timeout + ")",
            null);
      } catch (InterruptedException e) {
        future.cancel(true);
        Thread.currentThread().interrupt();
        throw new HttpLoadException(Reason.INTERRUPTED, 0, "interrupted loading " + TargetUris.redact(uri), e);
      } catch (ExecutionException e) {
        throw failure(uri, e.getCause());
      }
      Instant receivedAt = options.clock().instant();
      Map<String, List<String>> headers = lowerCase(response.headers().map());
      byte[] body = response.body();
      int status = response.statusCode();
      if (status >= 200 && status < 300) {
        try {
          body = decode(body, headers);
        } catch (IOException e) {
          throw failure(uri, e);
        }
      }
      return new Response(status, uri, headers, body, receivedAt);
    } finally {
      slots.release();
    }
  }

  private HttpResponse.BodySubscriber<byte[]> bodyHandler(HttpResponse.ResponseInfo info) {
    int status = info.statusCode();
    if (status < 200 || status >= 300) {
      return Bodies.Bounded.discarding();
    }
    List<String> lengths = info.headers().allValues("content-length");
    if (!lengths.isEmpty() && !info.headers().allValues("transfer-encoding").isEmpty()) {
      // RFC 9112, 6.3: both framings at once is how responses are smuggled; never guess.
      return Bodies.Bounded.failing(
          new Bodies.InvalidResponseException(
              "the response has both Content-Length and Transfer-Encoding", null));
    }
    if (!lengths.isEmpty()) {
      long declared = Freshness.deltaSeconds(lengths.get(0).trim()); // same grammar: 1*DIGIT
      if (lengths.size() > 1 || declared < 0) {
        return Bodies.Bounded.failing(
            new Bodies.InvalidResponseException("the response has an invalid Content-Length", null));
      }
      if (declared > options.maxBodyBytes()) {
        return Bodies.Bounded.failing(
            new Bodies.TooLargeException(
                "Content-Length " + declared + " exceeds maxBodyBytes (" + options.maxBodyBytes() + ")"));
      }
    }
    return Bodies.Bounded.collecting(options.maxBodyBytes());
  }

  private byte[] decode(byte[] body, Map<String, List<String>> headers) throws IOException {
    List<String> codings = new ArrayList<>();
    for (String value : headers.getOrDefault("content-encoding", List.of())) {
      for (String coding : value.split(",")) {
        String c = coding.trim().toLowerCase(Locale.ROOT);
        if (!c.isEmpty() && !c.equals("identity")) {
          codings.add(c);
        }
      }
    }
    if (codings.isEmpty()) {
      return body;
    }
    if (codings.size() == 1 && (codings.get(0).equals("gzip") || codings.get(0).equals("x-gzip"))) {
      return Bodies.gunzip(body, options.maxBodyBytes());
    }
    throw new Bodies.InvalidResponseException(
        "unsupported Content-Encoding " + codings + " (only gzip is accepted)", null);
  }

  private static HttpLoadException failure(URI uri, @Nullable Throwable error) {
    Throwable cause = error;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof Bodies.TooLargeException) {
        return new HttpLoadException(
            Reason.BODY_TOO_LARGE, 0, t.getMessage() + " at " + TargetUris.redact(uri), null);
      }
      if (t instanceof Bodies.InvalidResponseException) {
        return new HttpLoadException(
            Reason.INVALID_RESPONSE, 0, t.getMessage() + " at " + TargetUris.redact(uri), t.getCause());
      }
      if (t instanceof java.net.ProtocolException) {
        // The JDK client's word for a response it cannot parse (a malformed status line): the
        // upstream answered, wrongly, and asking again would get the same answer.
        return new HttpLoadException(
            Reason.INVALID_RESPONSE, 0,
            "malformed response from " + TargetUris.redact(uri) + ": " + t.getMessage(), t);
      }
    }
    String where = TargetUris.redact(uri);
    if (cause instanceof SendOnce.ResendRefused) {
      return new HttpLoadException(
          Reason.CONNECTION, 0,
          "connection to " + where + " closed or reset before any answer", cause);
    }
    if (cause instanceof HttpConnectTimeoutException) {
      return new HttpLoadException(Reason.CONNECTION, 0, "connect to " + where + " timed out", cause);
    }
    if (cause instanceof HttpTimeoutException) {
      return new HttpLoadException(Reason.TIMEOUT, 0, "request to " + where + " timed out", cause);
    }
    if (cause instanceof IOException) {
      return new HttpLoadException(
          Reason.CONNECTION, 0, "connection to " + where + " failed: " + cause, cause);
    }
    return new HttpLoadException(
        Reason.INVALID_RESPONSE, 0, "request to " + where + " failed: " + cause, cause);
  }

  private static HttpLoadException statusFailure(Response response, String detail) {
    return new HttpLoadException(
        Reason.STATUS, response.status(),
        "status " + response.status() + " from " + TargetUris.redact(response.uri()) + detail, null);
  }

  private static Map<String, List<String>> lowerCase(Map<String, List<String>> headers) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    headers.forEach(
        (name, values) ->
            out.computeIfAbsent(name.toLowerCase(Locale.ROOT), n -> new ArrayList<>()).addAll(values));
    return out;
  }

  private static @Nullable String first(Map<String, List<String>> headers, String name) {
    List<String> values = headers.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  @Override
  public String toString() {
    return TargetUris.redact(uris.base());
  }

  /**
   * The empty body of a GET that may be sent once. The JDK client resends a GET once, at once and
   * without telling, when its connection is closed or reset before any byte of answer (RFC 9110,
   * 9.2.2 allows it; a system property would turn it off, but for the whole JVM). A loader that
   * promises the upstream exactly maxAttempts requests, with backoff between them, cannot let it:
   * the client asks a request's body for its length each time it writes the request's head, so
   * the second ask fails the exchange before anything is written, and the loader counts the
   * failure as one attempt and retries after its backoff. The cost: the client sends {@code
   * Content-Length: 0} with the GET (Java 17 does for every GET anyway).
   */
  static final class SendOnce implements HttpRequest.BodyPublisher {
    private final AtomicInteger sends = new AtomicInteger();
    private final HttpRequest.BodyPublisher empty = HttpRequest.BodyPublishers.noBody();

    @Override
    public long contentLength() {
      if (sends.incrementAndGet() > 1) {
        throw new ResendRefused();
      }
      return 0;
    }

    @Override
    public void subscribe(java.util.concurrent.Flow.Subscriber<? super java.nio.ByteBuffer> subscriber) {
      empty.subscribe(subscriber);
    }

    /** The client tried to send the request again: its connection failed before any answer. */
    static final class ResendRefused extends RuntimeException {
      private static final long serialVersionUID = 1L;

      ResendRefused() {
        super("the request was not sent again on a new connection", null, false, false);
      }
    }
  }

  record Response(
      int status, URI uri, Map<String, List<String>> headers, byte[] body, Instant receivedAt) {}
}
