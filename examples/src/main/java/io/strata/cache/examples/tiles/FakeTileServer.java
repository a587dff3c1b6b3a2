package io.strata.cache.examples.tiles;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;

/**
 * A stand-in for a slow map-tile API, so the tile proxy runs with no network: {@code GET
 * /tiles/{z}/{x}/{y}.png} answers a generated 256×256 PNG with {@code Cache-Control:
 * max-age=300}, a strong {@code ETag} (and 304 to a matching {@code If-None-Match}), after a
 * random delay of 50–200 ms. It listens on 127.0.0.1 only and counts the requests it gets per
 * path. Thread-safe; {@link #close()} stops it.
 */
public final class FakeTileServer implements AutoCloseable {

  /** The default {@code max-age}, in seconds. */
  public static final int DEFAULT_MAX_AGE_SECONDS = 300;

  /** The default shortest delay before an answer. */
  public static final Duration DEFAULT_MIN_LATENCY = Duration.ofMillis(50);

  /** The default longest delay before an answer. */
  public static final Duration DEFAULT_MAX_LATENCY = Duration.ofMillis(200);

  private final HttpServer server;
  private final ExecutorService executor;
  private final int maxAgeSeconds;
  private final long minLatencyMillis;
  private final long maxLatencyMillis;
  private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
  private final AtomicInteger total = new AtomicInteger();

  private FakeTileServer(int port, int maxAgeSeconds, Duration minLatency, Duration maxLatency)
      throws IOException {
    if (maxAgeSeconds < 0) {
      throw new IllegalArgumentException("maxAgeSeconds must not be negative, but was " + maxAgeSeconds);
    }
    if (minLatency.isNegative() || maxLatency.compareTo(minLatency) < 0) {
      throw new IllegalArgumentException(
          "latency must be 0 <= min <= max, but was " + minLatency + ".." + maxLatency);
    }
    this.maxAgeSeconds = maxAgeSeconds;
    this.minLatencyMillis = minLatency.toMillis();
    this.maxLatencyMillis = maxLatency.toMillis();
    this.server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
    AtomicInteger threads = new AtomicInteger();
    this.executor =
        Executors.newFixedThreadPool(
            16,
            r -> {
              Thread t = new Thread(r, "fake-tiles-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** Starts a server with the defaults on a free port of 127.0.0.1. */
  public static FakeTileServer start() {
    return start(0, DEFAULT_MAX_AGE_SECONDS, DEFAULT_MIN_LATENCY, DEFAULT_MAX_LATENCY);
  }

  /**
   * Starts a server on {@code port} of 127.0.0.1 (0: a free one) whose tiles stay fresh for
   * {@code maxAgeSeconds}, answering after a random delay in [{@code minLatency}, {@code
   * maxLatency}].
   */
  public static FakeTileServer start(
      int port, int maxAgeSeconds, Duration minLatency, Duration maxLatency) {
    Objects.requireNonNull(minLatency, "minLatency");
    Objects.requireNonNull(maxLatency, "maxLatency");
    try {
      return new FakeTileServer(port, maxAgeSeconds, minLatency, maxLatency);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the fake tile server on port " + port, e);
    }
  }

  /** Returns the base URI below which tiles are served: {@code http://127.0.0.1:<port>/tiles/}. */
  public URI baseUri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/tiles/");
  }

  /** Returns how many requests reached {@code path} ({@code /tiles/1/0/1.png}). */
  public int requests(String path) {
    AtomicInteger count = requests.get(path);
    return count == null ? 0 : count.get();
  }

  /** Returns how many requests reached the server in all. */
  public int totalRequests() {
    return total.get();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getRawPath();
      total.incrementAndGet();
      requests.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
      if (!"GET".equals(exchange.getRequestMethod())) {
        exchange.getResponseHeaders().set("Allow", "GET");
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      TilePath tile;
      try {
        tile = TilePath.parse(path);
      } catch (IllegalArgumentException e) {
        byte[] body = e.getMessage().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(404, body.length);
        exchange.getResponseBody().write(body);
        return;
      }
      simulateLatency();
      String etag = "\"tile-" + tile.z() + "-" + tile.x() + "-" + tile.y() + "-v1\"";
      exchange.getResponseHeaders().set("Cache-Control", "public, max-age=" + maxAgeSeconds);
      exchange.getResponseHeaders().set("ETag", etag);
      if (etag.equals(exchange.getRequestHeaders().getFirst("If-None-Match"))) {
        exchange.sendResponseHeaders(304, -1);
        return;
      }
      byte[] png = render(tile);
      exchange.getResponseHeaders().set("Content-Type", "image/png");
      exchange.sendResponseHeaders(200, png.length);
      exchange.getResponseBody().write(png);
    }
  }

  private void simulateLatency() {
    long millis =
        minLatencyMillis == maxLatencyMillis
            ? minLatencyMillis
            : ThreadLocalRandom.current().nextLong(minLatencyMillis, maxLatencyMillis + 1);
    if (millis > 0) {
      try {
        Thread.sleep(millis); // stands for the network and a busy tile renderer
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Draws a tile: a colour of its own, a border, and a square per zoom level. */
  static byte[] render(TilePath tile) {
    BufferedImage image = new BufferedImage(256, 256, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      int hash = tile.key().hashCode();
      g.setColor(new Color(0x80 | (hash & 0x7f), 0x80 | ((hash >> 8) & 0x7f), 0x80 | ((hash >> 16) & 0x7f)));
      g.fillRect(0, 0, 256, 256);
      g.setColor(Color.DARK_GRAY);
      g.drawRect(0, 0, 255, 255);
      // One small square per zoom level; no text, so no fonts are needed on a headless machine.
      for (int i = 0; i <= tile.z(); i++) {
        g.fillRect(8 + (i % 11) * 22, 8 + (i / 11) * 22, 14, 14);
      }
    } finally {
      g.dispose();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
    try {
      ImageIO.write(image, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
