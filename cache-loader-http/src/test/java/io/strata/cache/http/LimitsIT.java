package io.strata.cache.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.cache.MultiLevelCache;
import io.strata.cache.http.HttpLoadException.Reason;
import io.strata.cache.testkit.InMemoryTier;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Bodies over the limit, hostile framing and compression bombs: aborted, and nothing stored. */
class LimitsIT {

  private static final int LIMIT = 64 * 1024;

  private final TestServer server = new TestServer();
  private final InMemoryTier.Store shared = new InMemoryTier.Store();

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  private static HttpLoaderOptions options() {
    return HttpLoaderOptions.builder().maxBodyBytes(LIMIT).sleeper(d -> {}).build();
  }

  private MultiLevelCache<String, HttpValue> cacheOn(URI base) {
    return MultiLevelCache.<String, HttpValue>builder("limits")
        .loader(HttpLoader.create(base, options()))
        .tier(InMemoryTier.factory("shared", shared, HttpValue.codec()))
        .build();
  }

  /** Loads "k" through a cache, expects the failure, and checks that no tier kept anything. */
  private void assertRejectedAndNothingStored(URI base, Reason reason) {
    MultiLevelCache<String, HttpValue> cache = cacheOn(base);
    assertThatThrownBy(() -> cache.get("k"))
        .isInstanceOfSatisfying(HttpLoadException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    assertThat(cache.getIfPresent("k")).isNull();
    assertThat(cache.advanced().estimatedLocalSize()).isZero();
    assertThat(shared.size()).isZero();
  }

  @Test
  void aDeclaredLengthOverTheLimit_isRejectedBeforeTheBodyIsRead() {
    server.handler(exchange -> TestServer.respond(exchange, 200, new byte[LIMIT + 1], "Cache-Control", "max-age=60"));
    assertRejectedAndNothingStored(server.uri("/big/"), Reason.BODY_TOO_LARGE);
    assertThat(server.requestCount()).as("not retried").isEqualTo(1);
  }

  @Test
  void aBodyOfExactlyTheLimit_isAccepted() {
    byte[] body = new byte[LIMIT];
    Arrays.fill(body, (byte) 7);
    server.handler(exchange -> TestServer.respond(exchange, 200, body, "Cache-Control", "max-age=60"));
    assertThat(cacheOn(server.uri("/ok/")).get("k").body()).isEqualTo(body);
    assertThat(shared.size()).isEqualTo(1);
  }

  @Test
  void anEndlessChunkedBody_isAbortedWhileStreaming() throws Exception {
    CompletableFuture<Long> written = new CompletableFuture<>();
    server.handler(
        exchange -> {
          exchange.getResponseHeaders().add("Cache-Control", "max-age=60");
          exchange.sendResponseHeaders(200, 0); // chunked, no length
          long total = 0;
          byte[] chunk = new byte[16 * 1024];
          try (OutputStream out = exchange.getResponseBody()) {
            while (total < 1024L * 1024 * 1024) { // bounded: 1 GiB
              out.write(chunk);
              out.flush();
              total += chunk.length;
            }
          } catch (IOException e) {
            // the client hung up: what we want
          } finally {
            written.complete(total);
          }
        });

    assertRejectedAndNothingStored(server.uri("/endless/"), Reason.BODY_TOO_LARGE);
    // The client closed the stream: the server stopped long before its 1 GiB bound.
    assertThat(written.get(30, TimeUnit.SECONDS)).isLessThan(256L * 1024 * 1024);
  }

  @Test
  void aGzipBomb_isAbortedWhileInflating() throws Exception {
    byte[] bomb = gzip(new byte[32 * 1024 * 1024]); // 32 MiB of zeros in about 32 KiB
    assertThat(bomb.length).isLessThan(LIMIT);
    server.handler(
        exchange -> TestServer.respond(exchange, 200, bomb, "Content-Encoding", "gzip", "Cache-Control", "max-age=60"));

    assertRejectedAndNothingStored(server.uri("/bomb/"), Reason.BODY_TOO_LARGE);
    assertThat(server.requests().get(0).header("Accept-Encoding")).isEqualTo("gzip");
  }

  @Test
  void aGzipBody_isInflated() throws Exception {
    byte[] text = "hello, tiles".repeat(100).getBytes(StandardCharsets.UTF_8);
    server.handler(
        exchange -> TestServer.respond(exchange, 200, gzip(text), "Content-Encoding", "gzip", "Content-Type", "text/plain"));
    HttpValue value = cacheOn(server.uri("/gz/")).get("k");
    assertThat(value.body()).isEqualTo(text);
    assertThat(value.headers()).doesNotContainKey("content-encoding");
  }

  @Test
  void aCorruptGzipBody_isAnInvalidResponse() {
    server.handler(
        exchange -> TestServer.respond(exchange, 200, "not gzip at all", "Content-Encoding", "gzip"));
    assertRejectedAndNothingStored(server.uri("/corrupt/"), Reason.INVALID_RESPONSE);
  }

  @Test
  void anUnknownContentEncoding_isAnInvalidResponse() {
    server.handler(exchange -> TestServer.respond(exchange, 200, "???", "Content-Encoding", "br"));
    assertRejectedAndNothingStored(server.uri("/br/"), Reason.INVALID_RESPONSE);
  }

  @Test
  void contentLengthLyingBesideChunkedFraming_isRejected() throws Exception {
    try (RawServer liar =
        new RawServer(
            out -> {
              out.write(("HTTP/1.1 200 OK\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n"
                      + "Cache-Control: max-age=60\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
              byte[] chunk = ("4000\r\n" + "x".repeat(0x4000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
              for (int i = 0; i < 1024; i++) { // up to 16 MiB
                out.write(chunk);
              }
            })) {
      MultiLevelCache<String, HttpValue> cache = cacheOn(liar.uri("/lie/"));
      assertThatThrownBy(() -> cache.get("k")).isInstanceOf(HttpLoadException.class);
      assertThat(cache.getIfPresent("k")).isNull();
      assertThat(shared.size()).isZero();
    }
  }

  @Test
  void aBodyShorterThanItsContentLength_isAConnectionFailure_andNothingTruncatedIsStored()
      throws Exception {
    try (RawServer liar =
        new RawServer(
            out -> out.write(("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n"
                    + "Cache-Control: max-age=60\r\n\r\nonly ten b").getBytes(StandardCharsets.US_ASCII)))) {
      assertRejectedAndNothingStored(liar.uri("/short/"), Reason.CONNECTION);
    }
  }

  @Test
  void anUndelimitedBodyOverTheLimit_isAborted() throws Exception {
    try (RawServer endless =
        new RawServer(
            out -> {
              out.write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
              byte[] chunk = new byte[16 * 1024];
              for (int i = 0; i < 4096; i++) { // up to 64 MiB
                out.write(chunk);
              }
            })) {
      assertRejectedAndNothingStored(endless.uri("/eof/"), Reason.BODY_TOO_LARGE);
    }
  }

  @Test
  void errorBodies_areNotRead() {
    server.handler(exchange -> TestServer.respond(exchange, 400, new byte[4 * LIMIT]));
    HttpLoader<String> loader = HttpLoader.create(server.uri("/err/"), options());
    assertThatThrownBy(() -> loader.load("k"))
        .isInstanceOfSatisfying(HttpLoadException.class, e -> assertThat(e.statusCode()).isEqualTo(400));
  }

  @Test
  void theStoredValue_roundTripsThroughTheSharedTiersCodec() {
    server.handler(
        exchange -> TestServer.respond(exchange, 200, "{\"a\":1}", "Content-Type", "application/json",
            "Cache-Control", "max-age=60", "ETag", "\"e\""));
    HttpValue loaded = cacheOn(server.uri("/rt/")).get("k");
    // A second instance on the same shared store reads it through the codec, without a request.
    MultiLevelCache<String, HttpValue> other = cacheOn(server.uri("/rt/"));
    assertThat(other.lookup("k").tier()).isEqualTo("shared");
    assertThat(other.get("k")).isEqualTo(loaded);
    assertThat(server.requestCount()).isEqualTo(1);
  }

  private static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
      out.write(data);
    }
    return bytes.toByteArray();
  }
}
