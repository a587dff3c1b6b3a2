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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * Does the I/O of an {@code HttpLoader}: one GET with a bounded body per attempt, same-origin
 * redirects when allowed, retries with backoff, and the translation of the answer into a {@link
 * Loaded}. Thread-safe.
 */
public final class HttpLoaderEngine {

  private final TargetUris uris;
  private final HttpLoaderOptions options;
  private final HttpClient client;
  private final Semaphore slots;
  private final boolean authorized;

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
    return toLoaded(fetch(uri, null, null), null);
  }

  /**
   * Fetches {@code uri} with validators; a 304 becomes {@link Loaded#notModified} with the
   * freshness of its own headers laid over those kept in {@code previous}.
   */
  public Loaded<HttpValue> revalidate(
      URI uri, @Nullable String etag, @Nullable String lastModified, HttpValue previous) {
    if (etag == null && lastModified == null) {
      return load(uri);
    }
    return toLoaded(fetch(uri, etag, lastModified), previous);
  }

  private Loaded<HttpValue> toLoaded(Response response, @Nullable HttpValue previous) {
    int status = response.status();
    if (status == 304) {
      if (previous == null) {
        throw new HttpLoadException(
            Reason.INVALID_RESPONSE, status,
            "304 Not Modified from " + TargetUris.redact(response.uri())
                + " answered a request without validators", null);
      }
      Map<String, List<String>> merged = new LinkedHashMap<>(previous.headers());
      merged.putAll(response.headers());
      Freshness freshness = Freshness.of(merged, response.receivedAt(), options, authorized);
      Loaded.Builder<HttpValue> builder = Loaded.notModifiedBuilder();
      builder.etag(first(response.headers(), "etag"));
      builder.lastModified(first(response.headers(), "last-modified"));
      return keepForRevalidation(apply(builder, freshness), true).build();
    }
    if (status == 404 || status == 410) {
      return Loaded.notFound();
    }
    if (status >= 200 && status < 300 && status != 206) {
      Map<String, List<String>> kept = new LinkedHashMap<>();
      for (String name : options.keptHeaders()) {
        List<String> values = response.headers().get(name);
        if (values != null) {
          kept.put(name, values);
        }
      }
      String contentType = first(response.headers(), "content-type");
      HttpValue value = HttpValue.of(status, response.body(), contentType, kept);
      Freshness freshness = Freshness.of(response.headers(), response.receivedAt(), options, authorized);
      Loaded.Builder<HttpValue> builder =
          Loaded.builder(value)
              .contentType(contentType)
              .etag(first(response.headers(), "etag"))
              .lastModified(first(response.headers(), "last-modified"));
      boolean validated =
          first(response.headers(), "etag") != null
              || first(response.headers(), "last-modified") != null;
      return keepForRevalidation(apply(builder, freshness), validated).build();
    }
    throw statusFailure(response, "");
  }

  /** Keeps an expired response with a validator, so the next load can ask "modified since?". */
  private Loaded.Builder<HttpValue> keepForRevalidation(
      Loaded.Builder<HttpValue> builder, boolean validated) {
    if (validated && !options.revalidationWindow().isZero()) {
      builder.revalidateWithin(options.revalidationWindow());
    }
    return builder;
  }

  private static Loaded.Builder<HttpValue> apply(
      Loaded.Builder<HttpValue> builder, Freshness freshness) {
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

  // ---------------------------------------------------------------- retries

  private Response fetch(URI uri, @Nullable String etag, @Nullable String lastModified) {
    for (int attempt = 1; ; attempt++) {
      Duration wait;
      try {
        Response response = followingRedirects(uri, etag, lastModified);
        int status = response.status();
        if (status != 429 && status < 500) {
          return response;
        }
        if (attempt >= options.maxAttempts()) {
          throw statusFailure(response, " after " + attempt + " attempt(s)");
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
        if (e.reason() != Reason.CONNECTION || attempt >= options.maxAttempts()) {
          throw e;
        }
        wait = backoff(attempt);
      }
      try {
        options.sleeper().sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new HttpLoadException(
            Reason.INTERRUPTED, 0, "interrupted while waiting to retry " + TargetUris.redact(uri), e);
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
      if (next == null || !uris.sameOrigin(next) || next.getRawUserInfo() != null) {
        throw new HttpLoadException(
            Reason.REDIRECT, status,
            "redirect " + status + " from " + TargetUris.redact(current)
                + " refused: only redirects to the same origin (" + TargetUris.redact(uris.base())
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
      HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET().timeout(timeout);
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
    }
    String where = TargetUris.redact(uri);
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

  record Response(
      int status, URI uri, Map<String, List<String>> headers, byte[] body, Instant receivedAt) {}
}
