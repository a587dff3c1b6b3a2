package io.strata.cache.examples.tiles;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.strata.cache.CacheObserver;
import io.strata.cache.Lookup;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.MultiLevelCacheBuilder;
import io.strata.cache.TierHealth;
import io.strata.cache.http.HttpLoadException;
import io.strata.cache.http.HttpLoader;
import io.strata.cache.http.HttpLoaderOptions;
import io.strata.cache.http.HttpTarget;
import io.strata.cache.http.HttpValue;
import io.strata.cache.metrics.StrataCacheMetrics;
import io.strata.cache.redis.InvalidationStatus;
import io.strata.cache.redis.RedisCacheClient;
import io.strata.cache.redis.RedisTier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A map-tile proxy on Strata: {@code GET /tiles/{z}/{x}/{y}.png} goes through a
 * {@link MultiLevelCache} (local tier, then Redis when {@code REDIS_URL} is set) to an {@link
 * HttpLoader} for the upstream tile server, and says where the tile came from in {@code X-Cache}.
 *
 * <ul>
 *   <li>{@code GET|HEAD /tiles/{z}/{x}/{y}.png}: the tile, with {@code X-Cache: HIT-LOCAL |
 *       HIT-REDIS | MISS}, {@code Cache-Control: max-age=<remaining lifetime>}, the upstream's
 *       content type and {@code ETag} (a matching {@code If-None-Match} gets 304). A path that is
 *       not a tile, or out of range for its zoom, gets 404 with a short reason; an upstream 404
 *       too; an upstream that fails with nothing stale to serve, 502.
 *   <li>{@code DELETE /tiles/{z}/{x}/{y}.png}: 204; the tile is gone from every tier, and (through
 *       Redis) from every instance's local tier.
 *   <li>{@code GET /metrics}: Prometheus text (Strata's cache meters and the proxy's own).
 *   <li>{@code GET /health}: JSON with each tier's state, breaker, tracking connection and last
 *       flush; {@code "status": "degraded"} while any tier is not up. Always 200 while the proxy
 *       serves, so a load balancer keeps it in rotation during a Redis outage.
 * </ul>
 *
 * <p>Run {@link #main}: configuration comes from the environment (see {@link TileProxyConfig}).
 * Thread-safe; {@link #close()} stops the server and releases everything it started.
 */
public final class TileProxy implements AutoCloseable {

  /** The response header that says which tier served the tile. */
  public static final String X_CACHE = "X-Cache";

  private final TileProxyConfig config;
  private final @Nullable FakeTileServer fakeUpstream;
  private final URI upstream;
  private final @Nullable RedisCacheClient redis;
  private final MultiLevelCache<String, HttpValue> tiles;
  private final PrometheusMeterRegistry registry;
  private final Map<String, Counter> responses = new ConcurrentHashMap<>();
  private final Map<String, Flush> lastFlush = new ConcurrentHashMap<>();
  private final Clock clock = Clock.systemUTC();
  private final HttpServer server;
  private final ExecutorService executor;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CountDownLatch stopped = new CountDownLatch(1);

  private record Flush(String reason, Instant at) {}

  private TileProxy(TileProxyConfig config) throws IOException {
    this.config = config;
    this.fakeUpstream = config.upstream() == null ? FakeTileServer.start() : null;
    this.upstream = fakeUpstream != null ? fakeUpstream.baseUri() : config.upstream();
    this.redis = config.redisUrl() == null ? null : RedisCacheClient.create(config.redisUrl());

    HttpLoader<String> loader =
        HttpLoader.create(
            upstream,
            key -> {
              TilePath tile = TilePath.ofKey(key);
              return HttpTarget.of(
                  String.valueOf(tile.z()), String.valueOf(tile.x()), tile.y() + ".png");
            },
            HttpLoaderOptions.ofDefaults());
    MultiLevelCacheBuilder<String, HttpValue> builder =
        MultiLevelCache.<String, HttpValue>builder("tiles")
            .maximumWeight(64L * 1024 * 1024, (key, value) -> value.bodyLength() + 256)
            .localTtl(Duration.ofMinutes(1))
            .staleIfError(Duration.ofHours(1)) // serve the last tile while the upstream is down
            .negativeTtl(Duration.ofMinutes(1)) // remember upstream 404s for a while
            .loader(new ExpiryStamp(loader, clock));
    if (redis != null) {
      builder.tier(RedisTier.factory(redis, HttpValue.codec()));
    }
    this.tiles = builder.build();
    tiles
        .advanced()
        .addObserver(
            new CacheObserver() {
              @Override
              public void flush(String tier, String reason) {
                lastFlush.put(tier, new Flush(reason, clock.instant()));
              }
            });

    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    StrataCacheMetrics.monitor(registry, tiles);

    this.server =
        HttpServer.create(new InetSocketAddress(config.host(), config.port()), 128);
    AtomicInteger threads = new AtomicInteger();
    this.executor =
        Executors.newFixedThreadPool(
            32,
            r -> {
              Thread t = new Thread(r, "tile-proxy-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", this::route);
    server.start();
  }

  /**
   * Starts a proxy: the fake upstream if none is configured, the Redis client if a URL is given
   * (it connects in the background; tiles are served meanwhile), the cache and the server.
   *
   * @throws UncheckedIOException if the port cannot be bound
   */
  public static TileProxy start(TileProxyConfig config) {
    Objects.requireNonNull(config, "config");
    try {
      return new TileProxy(config);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "could not listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
    }
  }

  /** Starts the proxy configured by the environment and serves until the JVM is stopped. */
  public static void main(String[] args) throws InterruptedException {
    TileProxy proxy;
    try {
      proxy = start(TileProxyConfig.fromEnvironment(System.getenv()));
    } catch (IllegalArgumentException | UncheckedIOException e) {
      System.err.println("tile-proxy: " + e.getMessage());
      System.exit(2);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(proxy::close, "tile-proxy-shutdown"));
    System.out.println(proxy.startupLine());
    System.out.flush();
    proxy.stopped.await();
  }

  /** Returns the port the proxy listens on (the chosen one when configured with 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  /** Returns {@code http://<host>:<port>}. */
  public URI uri() {
    return URI.create("http://" + config.host() + ":" + port());
  }

  /** Returns the base URI tiles are fetched below. */
  public URI upstream() {
    return upstream;
  }

  /** Returns the cache behind the proxy, for tests and tools. */
  public MultiLevelCache<String, HttpValue> cache() {
    return tiles;
  }

  /** Returns the line printed at start: where it listens, which tiers are on, the upstream. */
  public String startupLine() {
    String tiers =
        redis == null
            ? "local only (set REDIS_URL to share tiles through Redis)"
            : "local + redis (" + TileProxyConfig.redact(config.redisUrl()) + ")";
    return "tile-proxy listening on " + uri() + "/tiles/{z}/{x}/{y}.png; tiers: " + tiers
        + "; upstream: " + upstream
        + (fakeUpstream != null ? " (built-in fake tile server; set UPSTREAM_URL for a real one)" : "");
  }

  /** Stops the server, then closes the cache, the Redis client and the fake upstream. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      server.stop(0);
      executor.shutdownNow();
      tiles.close();
      if (redis != null) {
        redis.close();
      }
      registry.close();
      if (fakeUpstream != null) {
        fakeUpstream.close();
      }
    } finally {
      stopped.countDown();
    }
  }

  // ---------------------------------------------------------------- routing

  private void route(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getRawPath();
      String method = exchange.getRequestMethod();
      if (TilePath.isUnderTiles(path)) {
        switch (method) {
          case "GET", "HEAD" -> getTile(exchange, path, method.equals("HEAD"));
          case "DELETE" -> deleteTile(exchange, path);
          default -> notAllowed(exchange, "GET, HEAD, DELETE");
        }
      } else if (path.equals("/metrics")) {
        if (method.equals("GET")) {
          send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
        } else {
          notAllowed(exchange, "GET");
        }
      } else if (path.equals("/health")) {
        if (method.equals("GET")) {
          send(exchange, 200, "application/json", health());
        } else {
          notAllowed(exchange, "GET");
        }
      } else {
        send(exchange, 404, "text/plain; charset=utf-8",
            "not found: try GET /tiles/{z}/{x}/{y}.png, /metrics or /health\n");
      }
    } catch (RuntimeException e) {
      // Never expected: a bug of the example. Answer instead of dropping the connection.
      send(exchange, 500, "text/plain; charset=utf-8", "internal error: " + e + "\n");
    }
  }

  private void getTile(HttpExchange exchange, String path, boolean head) throws IOException {
    TilePath tile;
    try {
      tile = TilePath.parse(path);
    } catch (IllegalArgumentException e) {
      count("invalid");
      send(exchange, 404, "text/plain; charset=utf-8", e.getMessage() + "\n");
      return;
    }
    Lookup<HttpValue> lookup;
    try {
      lookup = tiles.lookup(tile.key());
    } catch (HttpLoadException | CompletionException e) {
      count("upstream-error");
      send(exchange, 502, "text/plain; charset=utf-8",
          "upstream failed for " + tile + ": " + rootMessage(e) + "\n");
      return;
    }
    String xCache = lookup.isHit() ? "HIT-" + lookup.tier().toUpperCase(java.util.Locale.ROOT) : "MISS";
    count(xCache.toLowerCase(java.util.Locale.ROOT));
    exchange.getResponseHeaders().set(X_CACHE, xCache);
    HttpValue value = lookup.value();
    if (value == null) {
      send(exchange, 404, "text/plain; charset=utf-8", "no such tile upstream: " + tile + "\n");
      return;
    }
    long maxAge = lookup.stale() ? 0 : ExpiryStamp.remainingSeconds(value, clock);
    var headers = exchange.getResponseHeaders();
    headers.set("Cache-Control", "public, max-age=" + maxAge);
    headers.set("Access-Control-Allow-Origin", "*");
    value.etag().ifPresent(etag -> headers.set("ETag", etag));
    String etag = value.etag().orElse(null);
    if (etag != null && etag.equals(exchange.getRequestHeaders().getFirst("If-None-Match"))) {
      exchange.sendResponseHeaders(304, -1);
      return;
    }
    headers.set(
        "Content-Type", value.contentType() != null ? value.contentType() : "application/octet-stream");
    if (head) {
      headers.set("Content-Length", Integer.toString(value.bodyLength()));
      exchange.sendResponseHeaders(200, -1);
      return;
    }
    exchange.sendResponseHeaders(200, value.bodyLength());
    var buffer = value.bodyBuffer();
    byte[] chunk = new byte[8192];
    while (buffer.hasRemaining()) {
      int n = Math.min(chunk.length, buffer.remaining());
      buffer.get(chunk, 0, n);
      exchange.getResponseBody().write(chunk, 0, n);
    }
  }

  private void deleteTile(HttpExchange exchange, String path) throws IOException {
    TilePath tile;
    try {
      tile = TilePath.parse(path);
    } catch (IllegalArgumentException e) {
      send(exchange, 404, "text/plain; charset=utf-8", e.getMessage() + "\n");
      return;
    }
    tiles.invalidate(tile.key());
    count("deleted");
    exchange.sendResponseHeaders(204, -1);
  }

  // ---------------------------------------------------------------- health

  /** Returns the {@code /health} document. */
  String health() {
    Map<String, TierHealth> health = tiles.advanced().health();
    List<InvalidationStatus> tracking = redis == null ? List.of() : redis.invalidationStatus();
    boolean up =
        health.values().stream().allMatch(h -> h.state() == TierHealth.State.UP)
            && tracking.stream().allMatch(s -> s.state().equals("ARMED"))
            && (redis == null || !tracking.isEmpty());
    Json json = new Json().beginObject();
    json.field("status", up ? "up" : "degraded");
    json.field("upstream", upstream.toString());
    json.name("tiers").beginArray();
    health.forEach(
        (name, h) -> {
          json.beginObject().field("name", name).field("state", h.state().name());
          json.field("detail", h.detail());
          if (name.equals("redis")) {
            json.field("breaker", breaker(h));
            json.name("tracking").beginArray();
            for (InvalidationStatus status : tracking) {
              json.beginObject()
                  .field("node", status.node())
                  .field("state", status.state())
                  .field("flags", String.join(" ", status.serverFlags()))
                  .field("prefixes", String.join(" ", status.serverPrefixes()))
                  .endObject();
            }
            json.endArray();
          }
          Flush flush = lastFlush.get(name);
          json.name("lastFlush");
          if (flush == null) {
            json.nullValue();
          } else {
            json.beginObject()
                .field("reason", flush.reason())
                .field("at", flush.at().toString())
                .endObject();
          }
          json.endObject();
        });
    json.endArray();
    return json.endObject().toString() + "\n";
  }

  /**
   * The breaker's state as the tier reports it. {@code TierHealth} carries it only in its detail
   * text ("circuit breaker open: ...", "circuit breaker half-open: ..."); anything else means the
   * breaker is closed and the tier is judged on its connection alone.
   */
  private static String breaker(TierHealth health) {
    String detail = health.detail();
    if (detail.startsWith("circuit breaker open")) {
      return "open";
    }
    if (detail.startsWith("circuit breaker half-open")) {
      return "half-open";
    }
    return "closed";
  }

  // ---------------------------------------------------------------- helpers

  private void count(String result) {
    responses
        .computeIfAbsent(
            result,
            r -> Counter.builder("tile.proxy.responses")
                .description("Tile requests answered by the proxy, by X-Cache result")
                .tag("result", r)
                .register(registry))
        .increment();
  }

  private static void notAllowed(HttpExchange exchange, String allow) throws IOException {
    exchange.getResponseHeaders().set("Allow", allow);
    send(exchange, 405, "text/plain; charset=utf-8", "method not allowed; allowed: " + allow + "\n");
  }

  private static void send(HttpExchange exchange, int status, String contentType, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    if (exchange.getRequestMethod().equals("HEAD")) {
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t != t.getCause()) {
      t = t.getCause();
    }
    return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
  }
}
