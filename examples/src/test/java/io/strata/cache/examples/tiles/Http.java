package io.strata.cache.examples.tiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A real HTTP client for the tests: every call goes over a socket to 127.0.0.1. */
final class Http {

  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private Http() {}

  static HttpResponse<byte[]> get(URI base, String path) {
    return send(HttpRequest.newBuilder(base.resolve(path)).GET());
  }

  static HttpResponse<byte[]> delete(URI base, String path) {
    return send(HttpRequest.newBuilder(base.resolve(path)).DELETE());
  }

  static HttpResponse<byte[]> send(HttpRequest.Builder request) {
    try {
      return CLIENT.send(
          request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static String text(HttpResponse<byte[]> response) {
    return new String(response.body(), java.nio.charset.StandardCharsets.UTF_8);
  }

  static String xCache(HttpResponse<byte[]> response) {
    return response.headers().firstValue(TileProxy.X_CACHE).orElse("(none)");
  }

  static long maxAge(HttpResponse<byte[]> response) {
    String cacheControl = response.headers().firstValue("Cache-Control").orElseThrow();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("max-age=(\\d+)").matcher(cacheControl);
    if (!m.find()) {
      throw new AssertionError("no max-age in " + cacheControl);
    }
    return Long.parseLong(m.group(1));
  }
}
