package io.strata.cache.http;

import io.strata.cache.CacheEntry;
import io.strata.cache.Loaded;
import io.strata.cache.Loader;
import io.strata.cache.http.internal.HttpLoaderEngine;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Loader} that fetches values from an upstream HTTP API with the JDK {@link
 * java.net.http.HttpClient} (HTTP/2 when the server offers it, connections reused).
 *
 * <pre>{@code
 * HttpLoader<String> upstream = HttpLoader.create(URI.create("https://api.example/v1/items/"));
 * MultiLevelCache<String, HttpValue> cache = MultiLevelCache.<String, HttpValue>builder("items")
 *     .loader(upstream)
 *     .staleIfError(Duration.ofHours(1))
 *     .build();
 * }</pre>
 *
 * <p><b>Requests.</b> Each load is a GET on the base URI, fixed at creation, extended by the key's
 * {@link HttpTarget} through a {@link KeyTemplate}: path segments and query values, each
 * percent-encoded whole. A key can never change the scheme, host or port, nor leave the base path.
 * Hostile keys (control characters, dot segments, over {@link
 * HttpLoaderOptions#maxEncodedKeyLength()}) fail with an {@link IllegalArgumentException} before
 * any I/O. Redirects are not followed unless {@link HttpLoaderOptions#maxRedirects()} allows, and
 * then only to the same origin.
 *
 * <p><b>Answers.</b> A 2xx becomes an {@link HttpValue} whose lifetime follows {@code
 * Cache-Control} ({@code s-maxage} over {@code max-age}), then {@code Expires} minus {@code Date},
 * minus {@code Age}, else {@link HttpLoaderOptions#defaultTtl()}, within {@link
 * HttpLoaderOptions#minimumTtl()} and {@link HttpLoaderOptions#maximumTtl()}; this TTL is exact and
 * bypasses the cache's {@code TtlPolicy}. {@code private} keeps the value out of shared tiers;
 * {@code no-store}, {@code no-cache} and stale responses are stored nowhere; {@code
 * must-revalidate} forbids serving it stale; {@code stale-while-revalidate} and {@code
 * stale-if-error} set the cache's stale windows for it. 404 and 410 are "not found" (null; cached
 * for the cache's {@code negativeTtl} if it has one). A reload sends {@code If-None-Match} / {@code
 * If-Modified-Since}; a 304 keeps the cached body with a new lifetime.
 *
 * <p><b>Failures.</b> Connection failures, 5xx and 429 are retried with exponential backoff and
 * jitter, honouring {@code Retry-After} up to {@link HttpLoaderOptions#maxRetryAfter()}; other
 * statuses are not. When the attempts run out the load throws an {@link HttpLoadException}, which
 * the cache answers with the stale value when its stale-if-error window allows. A body over {@link
 * HttpLoaderOptions#maxBodyBytes()}, as sent or once inflated, is abandoned mid-stream and fails
 * the load, so nothing of it is stored.
 *
 * <p><b>Bulk loads.</b> {@link #loadAllEntries} (a cache's {@code getAll}) fetches its keys
 * concurrently, each exactly as {@link #loadEntry} would, on the calling thread and on up to
 * {@code maxConcurrentRequests - 1} helper threads the loader keeps while they have work; a
 * failed key stops it.
 *
 * <p>Thread-safe; one loader may serve many caches. At most {@link
 * HttpLoaderOptions#maxConcurrentRequests()} requests are in flight at once, bulk loads included.
 *
 * @param <K> the type of key
 */
public final class HttpLoader<K> implements Loader<K, HttpValue> {

  private final HttpLoaderEngine engine;
  private final KeyTemplate<? super K> template;
  private final HttpLoaderOptions options;

  private HttpLoader(URI baseUri, KeyTemplate<? super K> template, HttpLoaderOptions options) {
    this.engine = new HttpLoaderEngine(baseUri, options);
    this.template = template;
    this.options = options;
  }

  /**
   * Returns a loader for {@code baseUri} with default options whose keys are one path segment:
   * key {@code "a/b"} loads {@code <baseUri>/a%2Fb}.
   *
   * @throws IllegalArgumentException if {@code baseUri} is not an absolute http(s) URI with a host,
   *     or has user info, a fragment or dot segments
   */
  public static HttpLoader<String> create(URI baseUri) {
    return create(baseUri, KeyTemplate.pathSegment(), HttpLoaderOptions.ofDefaults());
  }

  /**
   * Returns a loader for {@code baseUri} whose keys are one path segment.
   *
   * @throws IllegalArgumentException as {@link #create(URI)}
   */
  public static HttpLoader<String> create(URI baseUri, HttpLoaderOptions options) {
    return create(baseUri, KeyTemplate.pathSegment(), options);
  }

  /**
   * Returns a loader for {@code baseUri} that maps keys to requests with {@code template}.
   *
   * @throws IllegalArgumentException as {@link #create(URI)}
   */
  public static <K> HttpLoader<K> create(
      URI baseUri, KeyTemplate<? super K> template, HttpLoaderOptions options) {
    Objects.requireNonNull(baseUri, "baseUri");
    Objects.requireNonNull(template, "template");
    Objects.requireNonNull(options, "options");
    return new HttpLoader<>(baseUri, template, options);
  }

  /** Returns the base URI every request is made below. */
  public URI baseUri() {
    return engine.base();
  }

  /** Returns the options. */
  public HttpLoaderOptions options() {
    return options;
  }

  /**
   * Returns the URI a load of {@code key} requests, without any I/O.
   *
   * @throws IllegalArgumentException if the key cannot be made into a request below the base URI
   */
  public URI uriFor(K key) {
    Objects.requireNonNull(key, "key");
    HttpTarget target =
        Objects.requireNonNull(template.target(key), "the KeyTemplate returned null");
    return engine.uri(target);
  }

  /**
   * Returns the value for {@code key}, or null on 404/410.
   *
   * @throws IllegalArgumentException if the key cannot be made into a request
   * @throws HttpLoadException if the upstream gave no usable answer
   */
  @Override
  public @Nullable HttpValue load(K key) {
    return loadEntry(key).value();
  }

  /**
   * Returns the value for {@code key} with its lifetime, storage and validators.
   *
   * @throws IllegalArgumentException if the key cannot be made into a request
   * @throws HttpLoadException if the upstream gave no usable answer
   */
  @Override
  public Loaded<HttpValue> loadEntry(K key) {
    return engine.load(uriFor(key));
  }

  /**
   * Returns the answer for each of {@code keys}, fetched concurrently; each key gets exactly what
   * {@link #loadEntry} would give it (its own retries, lifetime, storage and validators; 404 and
   * 410 are {@link Loaded#notFound()}, present in the map).
   *
   * <p>Every key is turned into its URI first, so a key that cannot be made into a request fails
   * the whole call before any I/O. The requests then run on the calling thread and on up to {@link
   * HttpLoaderOptions#maxConcurrentRequests()} - 1 helper threads shared by all bulk loads of this
   * loader (daemon threads, started on demand, ended when idle; when all are busy the calling
   * thread does more itself). With every other load of this loader, at most {@code
   * maxConcurrentRequests} requests are in flight; no thread is started per call.
   *
   * <p>Fails as a whole: once a key has failed (after its retries, or at once for a status that is
   * not retried), no request not yet started is started and the keys under way are not retried;
   * the call waits for the requests under way, then throws that first key's failure, with the
   * failures of other keys added as {@linkplain Throwable#getSuppressed() suppressed} exceptions.
   * The answers of keys that succeeded are dropped. If the calling thread is interrupted, the call
   * starts no further request, does not wait for those under way, sets the interrupt flag again
   * and throws an {@link HttpLoadException} with reason {@link HttpLoadException.Reason#INTERRUPTED
   * INTERRUPTED} (or the failure of a key that failed before it).
   *
   * @return a new map holding an answer for every key
   * @throws NullPointerException if {@code keys} is null or contains null
   * @throws IllegalArgumentException if a key cannot be made into a request; nothing was requested
   * @throws HttpLoadException the first failure of a key, or the interrupt
   * @since 0.1.0
   */
  @Override
  public Map<K, Loaded<HttpValue>> loadAllEntries(Set<? extends K> keys) {
    Objects.requireNonNull(keys, "keys");
    List<K> ordered = new ArrayList<>(keys.size());
    List<URI> uris = new ArrayList<>(keys.size());
    for (K key : keys) {
      Objects.requireNonNull(key, "keys contains a null key");
      ordered.add(key);
      uris.add(uriFor(key));
    }
    List<Loaded<HttpValue>> answers = engine.loadAll(uris);
    Map<K, Loaded<HttpValue>> result = new HashMap<>(ordered.size() * 2);
    for (int i = 0; i < ordered.size(); i++) {
      result.put(ordered.get(i), answers.get(i));
    }
    return result;
  }

  /**
   * Revalidates {@code previous}: sends its {@code ETag} and {@code Last-Modified} as {@code
   * If-None-Match} and {@code If-Modified-Since}, and answers {@link Loaded#notModified()} with a
   * new lifetime on 304. Without validators, a plain load.
   *
   * @throws IllegalArgumentException if the key cannot be made into a request
   * @throws HttpLoadException if the upstream gave no usable answer
   */
  @Override
  public Loaded<HttpValue> reload(K key, CacheEntry<HttpValue> previous) {
    Objects.requireNonNull(previous, "previous");
    URI uri = uriFor(key);
    HttpValue value = previous.value();
    if (value == null) {
      return engine.reload(uri);
    }
    String etag = previous.etag() != null ? previous.etag() : value.etag().orElse(null);
    String lastModified =
        previous.lastModified() != null ? previous.lastModified() : value.lastModified().orElse(null);
    return engine.revalidate(uri, etag, lastModified, value);
  }

  @Override
  public String toString() {
    return "HttpLoader{" + engine + '}';
  }
}
