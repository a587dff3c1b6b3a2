package io.strata.cache.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.cache.http.HttpLoadException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What the upstream sees per load, for every kind of failure, counted by the server: the README's
 * promise is maxAttempts requests (3 by default) for what is retried, one for what is not, and
 * none at all when no connection can be made. The JDK client's own silent resend of a GET on a
 * connection closed or reset before any answer must not add to it.
 */
class FailureCountIT {

  private static final int ATTEMPTS = 3;

  private final List<Duration> sleeps = Collections.synchronizedList(new ArrayList<>());

  private HttpLoaderOptions.Builder options() {
    return HttpLoaderOptions.builder().sleeper(sleeps::add).maxAttempts(ATTEMPTS);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private void assertFails(URI base, HttpLoaderOptions.Builder options, Reason reason) {
    HttpLoader<String> loader = HttpLoader.create(base, options.build());
    assertThatThrownBy(() -> loader.load("k"))
        .isInstanceOfSatisfying(HttpLoadException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }

  @Test
  void connectionRefused_threeAttempts_noRequestReachesAnyone() throws Exception {
    int port;
    try (ServerSocket gone = new ServerSocket(0)) {
      port = gone.getLocalPort();
    }
    assertFails(URI.create("http://127.0.0.1:" + port + "/api/"), options(), Reason.CONNECTION);
    assertThat(sleeps).as("backoffs between the attempts").hasSize(ATTEMPTS - 1);
  }

  @Test
  void connectionClosedAfterTheRequest_isRequestedExactlyMaxAttemptsTimes() throws Exception {
    try (RawServer closing = RawServer.onSocket(Socket::close)) {
      assertFails(closing.uri("/api/"), options(), Reason.CONNECTION);
      assertThat(closing.requests()).isEqualTo(ATTEMPTS);
      assertThat(sleeps).hasSize(ATTEMPTS - 1);
    }
  }

  @Test
  void connectionResetAfterTheRequest_isRequestedExactlyMaxAttemptsTimes() throws Exception {
    try (RawServer resetting =
        RawServer.onSocket(
                client -> {
                  client.setSoLinger(true, 0);
                  client.close();
                })) {
      assertFails(resetting.uri("/api/"), options(), Reason.CONNECTION);
      assertThat(resetting.requests()).isEqualTo(ATTEMPTS);
      assertThat(sleeps).hasSize(ATTEMPTS - 1);
    }
  }

  @Test
  void aKeptAliveConnectionClosedOnTheNextRequest_countsOnceToo() throws Exception {
    AtomicInteger heads = new AtomicInteger();
    try (ServerSocket socket = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      Thread acceptor =
          new Thread(
              () -> {
                while (!socket.isClosed()) {
                  try (Socket client = socket.accept()) {
                    InputStream in = client.getInputStream();
                    OutputStream out = client.getOutputStream();
                    if (readHead(in)) {
                      heads.incrementAndGet();
                      out.write(ascii("HTTP/1.1 200 OK\r\nCache-Control: no-store\r\nContent-Length: 2\r\n\r\nok"));
                      out.flush();
                    }
                    // The connection stays open; the next request on it is read, then dropped.
                    if (readHead(in)) {
                      heads.incrementAndGet();
                    }
                  } catch (IOException e) {
                    // next connection
                  }
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      HttpLoader<String> loader =
          HttpLoader.create(
              URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/api/"),
              options().maxAttempts(1).build());
      assertThat(loader.load("a").bodyAsString()).isEqualTo("ok");
      assertThat(heads).hasValue(1);

      // The second load goes out on the pooled connection, which the server drops.
      assertThatThrownBy(() -> loader.load("b"))
          .isInstanceOfSatisfying(
              HttpLoadException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CONNECTION));
      assertThat(heads).as("one attempt, one request").hasValue(2);
    }
  }

  @Test
  void aTimeout_isOneRequest_notRetried() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (RawServer holding =
        new RawServer(
            
                out -> {
                  try {
                    release.await(10, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                })) {
      assertFails(holding.uri("/api/"), options().requestTimeout(Duration.ofMillis(200)), Reason.TIMEOUT);
      assertThat(holding.requests()).isEqualTo(1);
      assertThat(sleeps).isEmpty();
    } finally {
      release.countDown();
    }
  }

  @Test
  void serverErrors_areRequestedExactlyMaxAttemptsTimes() throws Exception {
    try (RawServer failing =
        new RawServer(
             // RawServer closes after each answer; a real server that does says so.
             out -> out.write(ascii("HTTP/1.1 503 Busy\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")))) {
      assertFails(failing.uri("/api/"), options(), Reason.STATUS);
      assertThat(failing.requests()).isEqualTo(ATTEMPTS);
      assertThat(sleeps).hasSize(ATTEMPTS - 1);
    }
  }

  @Test
  void tooManyRequests_areRequestedExactlyMaxAttemptsTimes() throws Exception {
    try (RawServer limiting =
        new RawServer(
            
                out ->
                    out.write(
                        ascii(
                            "HTTP/1.1 429 Slow\r\nRetry-After: 1\r\nConnection: close\r\n"
                                + "Content-Length: 0\r\n\r\n")))) {
      assertFails(limiting.uri("/api/"), options(), Reason.STATUS);
      assertThat(limiting.requests()).isEqualTo(ATTEMPTS);
      assertThat(sleeps).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(1));
    }
  }

  @Test
  void aClientError_isOneRequest() throws Exception {
    try (RawServer refusing =
        new RawServer(
             out -> out.write(ascii("HTTP/1.1 400 No\r\nContent-Length: 0\r\n\r\n")))) {
      assertFails(refusing.uri("/api/"), options(), Reason.STATUS);
      assertThat(refusing.requests()).isEqualTo(1);
      assertThat(sleeps).isEmpty();
    }
  }

  @Test
  void aMalformedStatusLine_isAnInvalidResponse_oneRequest_notRetried() throws Exception {
    for (String statusLine : List.of("HTTP/1.1 20 OK", "HTTP/1.1 2OO OK", "garbage")) {
      sleeps.clear();
      try (RawServer malformed =
          new RawServer(
              out ->
                  out.write(
                      ascii(statusLine + "\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi")))) {
        assertFails(malformed.uri("/api/"), options(), Reason.INVALID_RESPONSE);
        assertThat(malformed.requests()).as(statusLine).isEqualTo(1);
        assertThat(sleeps).isEmpty();
      }
    }
  }

  @Test
  void aStatusOutsideTheRangeHttpDefines_isAnInvalidResponse_notAValue() throws Exception {
    // RFC 9110 section 15: a status code is three digits, 100 to 599; the JDK client passes 600.
    try (RawServer odd =
        new RawServer(
            out ->
                out.write(
                    ascii("HTTP/1.1 600 Odd\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi")))) {
      HttpLoader<String> loader = HttpLoader.create(odd.uri("/api/"), options().build());
      assertThatThrownBy(() -> loader.load("k"))
          .isInstanceOfSatisfying(
              HttpLoadException.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.INVALID_RESPONSE);
                assertThat(e.statusCode()).isEqualTo(600);
              });
      assertThat(odd.requests()).isEqualTo(1);
    }
  }

  private static boolean readHead(InputStream in) throws IOException {
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        return false;
      }
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return true;
  }
}
