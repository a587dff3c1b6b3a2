package io.strata.cache.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.cache.http.HttpLoadException.Reason;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile keys against a real upstream with an "internal" host beside it: every key either fails
 * before any I/O or arrives as exactly one path segment below the base path, and the internal host
 * is never contacted.
 */
class UrlSafetyIT {

  private static TestServer upstream;
  private static RawServer internal;

  @BeforeAll
  static void start() {
    upstream = new TestServer();
    internal = RawServer.counting();
  }

  @AfterAll
  static void stop() throws Exception {
    // Checked once more after every test has run: nothing ever reached the internal host.
    assertThat(internal.connections()).isZero();
    upstream.close();
    internal.close();
  }

  static Stream<String> hostileKeys() {
    String in = "127.0.0.1:" + internal.port();
    return Stream.of(
        "../admin", "..", ".", "./admin", "..%2fadmin", "%2e%2e%2f", "%2e%2e/admin", "%2E%2E",
        "a/../../admin", "..\\admin", "\\\\evil", "@evil.example", "user@" + in, in,
        "//" + in + "/x", "http://169.254.169.254/", "http://" + in + "/latest/meta-data",
        "https://evil.example:443/", "?admin=true", "#fragment", "a?b#c", "%00", "%0d%0aX: y",
        ";jsessionid=1", "😀/ü", " spaced key ", "a%", "%", "~user", "..;/admin", "/admin");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileKeys")
  void hostileKey_staysOneSegmentBelowTheBasePath_onTheConfiguredHost(String key) {
    HttpLoader<String> loader = HttpLoader.create(upstream.uri("/api/v1/"));
    int before = upstream.requestCount();

    try {
      loader.load(key);
    } catch (IllegalArgumentException rejected) {
      assertThat(upstream.requestCount()).isEqualTo(before);
      assertThat(internal.connections()).isZero();
      return;
    }
    assertThat(upstream.requestCount()).isEqualTo(before + 1);
    TestServer.Request request = upstream.requests().get(before);
    assertThat(request.rawPath()).startsWith("/api/v1/");
    String segment = request.rawPath().substring("/api/v1/".length());
    assertThat(segment).doesNotContain("/").doesNotContain("?").doesNotContain("#");
    assertThat(percentDecode(segment)).isEqualTo(key);
    assertThat(request.rawQuery()).isNull();
    assertThat(request.header("Host")).isEqualTo("127.0.0.1:" + upstream.port());
    assertThat(internal.connections()).isZero();
  }

  static Stream<String> rejectedKeys() {
    return Stream.of("a\r\nHost: evil.example", "a\nb", "a\rb", "\u0000", "tab\tbed", "del\u007f",
        "c1\u0085", "x".repeat(10 * 1024), "\uD800unpaired", "..", ".", "");
  }

  @ParameterizedTest(name = "{index}")
  @MethodSource("rejectedKeys")
  void controlCharactersDotSegmentsAndLongKeys_areRejectedBeforeAnyIo(String key) {
    HttpLoader<String> loader = HttpLoader.create(upstream.uri("/api/v1/"));
    int before = upstream.requestCount();
    assertThatThrownBy(() -> loader.load(key)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> loader.uriFor(key)).isInstanceOf(IllegalArgumentException.class);
    assertThat(upstream.requestCount()).isEqualTo(before);
  }

  @Test
  void aTenKilobyteKey_isRejectedWithAMessageNamingTheLimit() {
    HttpLoader<String> loader = HttpLoader.create(upstream.uri("/api/"));
    assertThatThrownBy(() -> loader.load("k".repeat(10 * 1024)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxEncodedKeyLength (2048)");
  }

  @Test
  void aQueryTemplate_keepsTheKeyInOneValue_besideTheBaseQuery() {
    HttpLoader<String> loader =
        HttpLoader.create(
            upstream.uri("/geo?key=secret"), KeyTemplate.queryParameter("q"), HttpLoaderOptions.ofDefaults());
    loader.load("x&admin=true#y?z=1");
    TestServer.Request request = upstream.requests().get(upstream.requestCount() - 1);
    assertThat(request.rawPath()).isEqualTo("/geo");
    assertThat(request.rawQuery()).isEqualTo("key=secret&q=x%26admin%3Dtrue%23y%3Fz%3D1");
  }

  @Test
  void aRedirectToAnotherOrigin_isRefused_evenWhenRedirectsAreOn() {
    upstream.handler(
        exchange -> {
          exchange.getResponseHeaders().add("Location", internal.uri("/steal").toString());
          exchange.sendResponseHeaders(302, -1);
        });
    try {
      HttpLoader<String> loader =
          HttpLoader.create(upstream.uri("/api/"), HttpLoaderOptions.builder().maxRedirects(5).build());
      assertThatThrownBy(() -> loader.load("k"))
          .isInstanceOfSatisfying(HttpLoadException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REDIRECT));
      assertThat(internal.connections()).isZero();
    } finally {
      upstream.handler(exchange -> TestServer.respond(exchange, 200, "ok"));
    }
  }

  @Test
  void aSchemeRelativeRedirectToAnotherPort_isRefused() {
    upstream.handler(
        exchange -> {
          exchange.getResponseHeaders().add("Location", "//127.0.0.1:" + internal.port() + "/x");
          exchange.sendResponseHeaders(301, -1);
        });
    try {
      HttpLoader<String> loader =
          HttpLoader.create(upstream.uri("/api/"), HttpLoaderOptions.builder().maxRedirects(5).build());
      assertThatThrownBy(() -> loader.load("k")).isInstanceOf(HttpLoadException.class);
      assertThat(internal.connections()).isZero();
    } finally {
      upstream.handler(exchange -> TestServer.respond(exchange, 200, "ok"));
    }
  }

  @Test
  void redirects_areNotFollowedByDefault() {
    upstream.handler(
        exchange -> {
          exchange.getResponseHeaders().add("Location", "/api/elsewhere");
          exchange.sendResponseHeaders(307, -1);
        });
    try {
      int before = upstream.requestCount();
      assertThatThrownBy(() -> HttpLoader.create(upstream.uri("/api/")).load("k"))
          .isInstanceOfSatisfying(HttpLoadException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.REDIRECT);
            assertThat(e.getMessage()).contains("maxRedirects");
          });
      assertThat(upstream.requestCount()).isEqualTo(before + 1);
    } finally {
      upstream.handler(exchange -> TestServer.respond(exchange, 200, "ok"));
    }
  }

  @Test
  void sameOriginRedirects_areFollowed_whenEnabled_upToTheLimit() {
    upstream.handler(
        exchange -> {
          String path = exchange.getRequestURI().getPath();
          if (path.startsWith("/api/hop")) {
            int hop = Integer.parseInt(path.substring("/api/hop".length()));
            exchange.getResponseHeaders().add("Location", "/api/hop" + (hop + 1));
            exchange.sendResponseHeaders(hop < 3 ? 302 : 200, hop < 3 ? -1 : 0);
            if (hop >= 3) {
              exchange.getResponseBody().write("arrived".getBytes(StandardCharsets.UTF_8));
            }
          } else {
            TestServer.respond(exchange, 200, "ok");
          }
        });
    try {
      HttpLoader<String> follows3 =
          HttpLoader.create(upstream.uri("/api/"), HttpLoaderOptions.builder().maxRedirects(3).build());
      assertThat(follows3.load("hop0").bodyAsString()).isEqualTo("arrived");
      HttpLoader<String> follows2 =
          HttpLoader.create(upstream.uri("/api/"), HttpLoaderOptions.builder().maxRedirects(2).build());
      assertThatThrownBy(() -> follows2.load("hop0"))
          .isInstanceOfSatisfying(HttpLoadException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REDIRECT));
    } finally {
      upstream.handler(exchange -> TestServer.respond(exchange, 200, "ok"));
    }
  }

  @Test
  void sameOriginRedirects_outsideTheBasePath_areRefused_withoutRequestingThem() {
    for (String location :
        new String[] {"/admin", "/api", "/api-other/x", "/api/../admin", "/api/%2e%2e/admin", "/api/a%2Fb/../../x"}) {
      upstream.handler(
          exchange -> {
            if (exchange.getRequestURI().getRawPath().startsWith("/api/k")) {
              exchange.getResponseHeaders().add("Location", location);
              exchange.sendResponseHeaders(302, -1);
            } else {
              TestServer.respond(exchange, 200, "escaped");
            }
          });
      int before = upstream.requestCount();
      HttpLoader<String> follows =
          HttpLoader.create(upstream.uri("/api/"), HttpLoaderOptions.builder().maxRedirects(3).build());
      assertThatThrownBy(() -> follows.load("k"))
          .as(location)
          .isInstanceOfSatisfying(HttpLoadException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REDIRECT));
      assertThat(upstream.requestCount()).as(location).isEqualTo(before + 1);
    }
    upstream.handler(exchange -> TestServer.respond(exchange, 200, "ok"));
  }

  private static String percentDecode(String s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        assertThat(c).as("unreserved character").matches(ch -> Character.isLetterOrDigit(ch) || "-._~".indexOf(ch) >= 0);
        out.write(c);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

}
