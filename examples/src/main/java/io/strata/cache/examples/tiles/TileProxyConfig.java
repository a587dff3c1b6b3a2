package io.strata.cache.examples.tiles;

import java.net.URI;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The tile proxy's settings, read from the environment by {@link #fromEnvironment}. Immutable.
 *
 * @param host the address to listen on ({@code HOST}, default {@value #DEFAULT_HOST}: reachable
 *     from this machine only; set {@code 0.0.0.0} to serve others)
 * @param port the port to listen on ({@code PORT}, default {@value #DEFAULT_PORT}; 0 picks a free
 *     one)
 * @param upstream the base URI tiles are fetched below, {@code <upstream>{z}/{x}/{y}.png} ({@code
 *     UPSTREAM_URL}); null to start the built-in {@link FakeTileServer}
 * @param redisUrl the Redis to share tiles through ({@code REDIS_URL}, {@code redis://} or {@code
 *     rediss://}); null for the local tier only
 */
public record TileProxyConfig(
    String host, int port, @Nullable URI upstream, @Nullable String redisUrl) {

  /** The default address: loopback. */
  public static final String DEFAULT_HOST = "127.0.0.1";

  /** The default port. */
  public static final int DEFAULT_PORT = 8080;

  public TileProxyConfig {
    Objects.requireNonNull(host, "host");
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("PORT must be between 0 and 65535, but was " + port);
    }
  }

  /** Returns the defaults: loopback, port 8080, the built-in upstream, no Redis. */
  public static TileProxyConfig ofDefaults() {
    return new TileProxyConfig(DEFAULT_HOST, DEFAULT_PORT, null, null);
  }

  /**
   * Reads {@code HOST}, {@code PORT}, {@code UPSTREAM_URL} and {@code REDIS_URL} from {@code env};
   * blank values count as unset.
   *
   * @throws IllegalArgumentException naming the variable, if a value is malformed
   */
  public static TileProxyConfig fromEnvironment(Map<String, String> env) {
    String host = value(env, "HOST");
    String port = value(env, "PORT");
    String upstream = value(env, "UPSTREAM_URL");
    int parsedPort;
    try {
      parsedPort = port == null ? DEFAULT_PORT : Integer.parseInt(port);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("PORT must be a number, but was '" + port + "'");
    }
    URI upstreamUri = null;
    if (upstream != null) {
      try {
        upstreamUri = URI.create(upstream.endsWith("/") ? upstream : upstream + "/");
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("UPSTREAM_URL is not a URI: " + e.getMessage());
      }
    }
    return new TileProxyConfig(
        host == null ? DEFAULT_HOST : host, parsedPort, upstreamUri, value(env, "REDIS_URL"));
  }

  /** Returns a copy listening on {@code port}. */
  public TileProxyConfig withPort(int port) {
    return new TileProxyConfig(host, port, upstream, redisUrl);
  }

  /** Returns a copy fetching tiles below {@code upstream}. */
  public TileProxyConfig withUpstream(@Nullable URI upstream) {
    return new TileProxyConfig(host, port, upstream, redisUrl);
  }

  /** Returns a copy sharing tiles through the Redis at {@code redisUrl}. */
  public TileProxyConfig withRedisUrl(@Nullable String redisUrl) {
    return new TileProxyConfig(host, port, upstream, redisUrl);
  }

  @Override
  public String toString() {
    return "TileProxyConfig{host=" + host + ", port=" + port + ", upstream=" + upstream
        + ", redis=" + (redisUrl == null ? "off" : redact(redisUrl)) + '}';
  }

  /** Returns {@code uri} without user info (a password may sit there). */
  static String redact(String uri) {
    int scheme = uri.indexOf("://");
    int at = uri.lastIndexOf('@');
    return scheme >= 0 && at > scheme ? uri.substring(0, scheme + 3) + uri.substring(at + 1) : uri;
  }

  private static @Nullable String value(Map<String, String> env, String name) {
    String value = env.get(name);
    return value == null || value.isBlank() ? null : value.trim();
  }
}
