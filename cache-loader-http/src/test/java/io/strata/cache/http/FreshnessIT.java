package io.strata.cache.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.Loaded;
import io.strata.cache.Loaded.Storage;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The lifetime each combination of {@code Cache-Control}, {@code Expires}, {@code Date} and {@code
 * Age} gives, served by a real server. Default options: defaultTtl 5 min, no floor, ceiling 1 day.
 */
class FreshnessIT {

  private static final long NOT_STORED = 0;
  private static final long DEFAULT = 300;
  private static final long CEILING = 86_400;

  private static TestServer server;

  @BeforeAll
  static void start() {
    server = new TestServer();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  /**
   * One row: the response headers (name, value, ...), where {@code {now+N}} stands for an HTTP date
   * N seconds after the moment of the response (the JDK server stamps its own {@code Date}, so
   * those rows allow one second for the clock to tick between the two); the TTL in seconds (0: not
   * fresh, stored nowhere), and where it may be kept.
   */
  record Case(String name, String[] headers, long ttlSeconds, Storage storage, boolean dated) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Case row(String name, long ttl, Storage storage, String... headers) {
    boolean dated = String.join(" ", headers).contains("{now");
    return new Case(name, headers, ttl, ttl == 0 ? Storage.NOWHERE : storage, dated);
  }

  static Case row(String name, long ttl, String... headers) {
    return row(name, ttl, Storage.EVERYWHERE, headers);
  }

  static Stream<Case> table() {
    return Stream.of(
        row("no freshness headers: the default", DEFAULT),
        row("max-age", 60, "Cache-Control", "max-age=60"),
        row("directive names are case-insensitive", 60, "Cache-Control", "MAX-AGE=60"),
        row("a quoted value is accepted", 60, "Cache-Control", "max-age=\"60\""),
        row("an unterminated quote reads to the end", 60, "Cache-Control", "max-age=\"60"),
        row("blanks around values", 60, "Cache-Control", " public ,  max-age=60 "),
        row("empty list members and unknown directives are ignored", 60,
            "Cache-Control", ", ,foo, bar=\"x,y\", max-age=60"),
        row("directives split over two header lines", 60,
            "Cache-Control", "public", "Cache-Control", "max-age=60"),
        row("s-maxage wins over max-age (shorter)", 30, "Cache-Control", "max-age=60, s-maxage=30"),
        row("s-maxage wins over max-age (longer)", 120, "Cache-Control", "s-maxage=120, max-age=60"),
        row("an invalid s-maxage is not fresh, whatever max-age says", NOT_STORED,
            "Cache-Control", "s-maxage=x, max-age=60"),
        row("max-age=0", NOT_STORED, "Cache-Control", "max-age=0"),
        row("a negative max-age", NOT_STORED, "Cache-Control", "max-age=-1"),
        row("a non-numeric max-age", NOT_STORED, "Cache-Control", "max-age=abc"),
        row("a fractional max-age", NOT_STORED, "Cache-Control", "max-age=1.5"),
        row("an empty max-age", NOT_STORED, "Cache-Control", "max-age="),
        row("max-age without a value", NOT_STORED, "Cache-Control", "max-age"),
        row("a signed max-age", NOT_STORED, "Cache-Control", "max-age=+60"),
        row("two different max-age values", NOT_STORED, "Cache-Control", "max-age=60, max-age=120"),
        row("the same max-age twice", 60, "Cache-Control", "max-age=60, max-age=60"),
        row("a huge max-age is clamped to the ceiling", CEILING,
            "Cache-Control", "max-age=99999999999999999999999999999999"),
        row("2^31 seconds is clamped to the ceiling", CEILING, "Cache-Control", "max-age=2147483648"),
        row("leading zeros", 60, "Cache-Control", "max-age=0000000000000000000060"),
        row("a long lifetime is cut to the ceiling", CEILING, "Cache-Control", "max-age=86400000"),
        row("Age is subtracted", 40, "Cache-Control", "max-age=60", "Age", "20"),
        row("Age equal to the lifetime is not fresh", NOT_STORED,
            "Cache-Control", "max-age=60", "Age", "60"),
        row("Age greater than the lifetime is not fresh", NOT_STORED,
            "Cache-Control", "max-age=60", "Age", "600"),
        row("a huge Age does not overflow", NOT_STORED,
            "Cache-Control", "max-age=60", "Age", "999999999999999999999999"),
        row("a negative Age is ignored (cache-tests age-parse-negative)", 60, "Cache-Control", "max-age=60", "Age", "-5"),
        row("an invalid Age is ignored (age-parse-nonnumeric)", 60, "Cache-Control", "max-age=60", "Age", "soon"),
        row("Age counts against the default too", 240, "Age", "60"),
        row("Age beyond the default is not fresh", NOT_STORED, "Age", "301"),
        row("no-store", NOT_STORED, "Cache-Control", "no-store, max-age=60"),
        row("NO-STORE in capitals", NOT_STORED, "Cache-Control", "max-age=60, No-Store"),
        row("no-cache", NOT_STORED, "Cache-Control", "no-cache, max-age=60"),
        row("no-cache with field names is still no-cache", NOT_STORED,
            "Cache-Control", "no-cache=\"Set-Cookie\", max-age=60"),
        row("Pragma: no-cache without Cache-Control", NOT_STORED, "Pragma", "no-cache"),
        row("Pragma is ignored when Cache-Control is present", 60,
            "Pragma", "no-cache", "Cache-Control", "max-age=60"),
        row("Vary: * cannot be matched", NOT_STORED, "Cache-Control", "max-age=60", "Vary", "*"),
        row("private is kept locally", 60, Storage.LOCAL_ONLY, "Cache-Control", "private, max-age=60"),
        row("private without a lifetime gets the default, locally", DEFAULT, Storage.LOCAL_ONLY,
            "Cache-Control", "Private"),
        row("public", 60, "Cache-Control", "public, max-age=60"),
        row("Expires minus Date", 60, "Expires", "{now+60}"),
        row("Expires and Age", 90, "Expires", "{now+120}", "Age", "30"),
        row("max-age wins over Expires", 10, "Expires", "{now+60}", "Cache-Control", "max-age=10"),
        row("Expires in the past", NOT_STORED, "Expires", "{now+-60}"),
        row("Expires: 0 means already expired", NOT_STORED, "Expires", "0"),
        row("an invalid Expires means already expired", NOT_STORED, "Expires", "tomorrow"),
        row("two Expires values are stale", NOT_STORED, "Expires", "{now+60}", "Expires", "{now+90}"),
        row("Expires far in the future is clamped", CEILING, "Expires", "{now+999999999}"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void ttl_followsTheTable(Case c) {
    Loaded<HttpValue> loaded = loadWith(HttpLoaderOptions.ofDefaults(), c.headers());

    assertThat(loaded.storage()).as("storage").isEqualTo(c.storage());
    if (c.ttlSeconds() == NOT_STORED) {
      assertThat(loaded.ttlHint()).as("hint").isEqualTo(Duration.ZERO);
      assertThat(loaded.ttl()).as("exact ttl").isNull();
    } else if (c.dated()) {
      assertThat(loaded.ttl())
          .isBetween(Duration.ofSeconds(c.ttlSeconds() - 1), Duration.ofSeconds(c.ttlSeconds()));
    } else {
      assertThat(loaded.ttl()).isEqualTo(Duration.ofSeconds(c.ttlSeconds()));
    }
    assertThat(loaded.value()).isNotNull();
  }

  @Test
  void staleDirectives_feedTheCachesStaleWindows() {
    Loaded<HttpValue> loaded =
        load("Cache-Control", "max-age=60, stale-while-revalidate=30, stale-if-error=600");
    assertThat(loaded.staleWhileRevalidate()).isEqualTo(Duration.ofSeconds(30));
    assertThat(loaded.staleIfError()).isEqualTo(Duration.ofSeconds(600));
  }

  @Test
  void withoutStaleDirectives_theCachesDefaultsApply() {
    Loaded<HttpValue> loaded = load("Cache-Control", "max-age=60");
    assertThat(loaded.staleWhileRevalidate()).isNull();
    assertThat(loaded.staleIfError()).isNull();
  }

  @Test
  void mustRevalidate_forbidsStaleServing_evenWhenStaleIfErrorIsGranted() {
    Loaded<HttpValue> loaded =
        load("Cache-Control", "max-age=60, must-revalidate, stale-if-error=600");
    assertThat(loaded.ttl()).isEqualTo(Duration.ofSeconds(60));
    assertThat(loaded.staleWhileRevalidate()).isEqualTo(Duration.ZERO);
    assertThat(loaded.staleIfError()).isEqualTo(Duration.ZERO);
  }

  @Test
  void proxyRevalidate_forbidsStaleServing() {
    Loaded<HttpValue> loaded = load("Cache-Control", "max-age=60, proxy-revalidate");
    assertThat(loaded.staleIfError()).isEqualTo(Duration.ZERO);
  }

  @Test
  void sMaxage_impliesProxyRevalidate_unlessAWindowIsGrantedExplicitly() {
    Loaded<HttpValue> implied = load("Cache-Control", "s-maxage=60");
    assertThat(implied.staleWhileRevalidate()).isEqualTo(Duration.ZERO);
    assertThat(implied.staleIfError()).isEqualTo(Duration.ZERO);

    Loaded<HttpValue> granted = load("Cache-Control", "s-maxage=60, stale-if-error=100");
    assertThat(granted.staleIfError()).isEqualTo(Duration.ofSeconds(100));
    assertThat(granted.staleWhileRevalidate()).isEqualTo(Duration.ZERO);
  }

  @Test
  void anInvalidStaleWindow_meansNone() {
    Loaded<HttpValue> loaded = load("Cache-Control", "max-age=60, stale-if-error=-1");
    assertThat(loaded.staleIfError()).isEqualTo(Duration.ZERO);
  }

  @Test
  void floor_raisesShortLifetimes_butNeverMakesAnUncacheableResponseCacheable() {
    HttpLoaderOptions options =
        HttpLoaderOptions.builder().minimumTtl(Duration.ofSeconds(30)).build();
    assertThat(loadWith(options, "Cache-Control", "max-age=5").ttl()).isEqualTo(Duration.ofSeconds(30));
    assertThat(loadWith(options, "Cache-Control", "max-age=0").storage()).isEqualTo(Storage.NOWHERE);
    assertThat(loadWith(options, "Cache-Control", "no-cache").storage()).isEqualTo(Storage.NOWHERE);
    assertThat(loadWith(options, "Cache-Control", "max-age=60", "Age", "61").storage())
        .isEqualTo(Storage.NOWHERE);
  }

  @Test
  void ceilingAndDefault_areConfigurable() {
    HttpLoaderOptions options =
        HttpLoaderOptions.builder()
            .defaultTtl(Duration.ofSeconds(42))
            .maximumTtl(Duration.ofHours(1))
            .build();
    assertThat(loadWith(options, "Cache-Control", "max-age=7200").ttl()).isEqualTo(Duration.ofHours(1));
    assertThat(loadWith(options).ttl()).isEqualTo(Duration.ofSeconds(42));
    assertThat(loadWith(options).ttlHint()).isEqualTo(Duration.ofSeconds(42));
  }

  @Test
  void hint_isTheUpstreamsOwnLifetime_beforeTheCeiling() {
    Loaded<HttpValue> loaded = load("Cache-Control", "max-age=864000");
    assertThat(loaded.ttl()).isEqualTo(Duration.ofSeconds(CEILING));
    assertThat(loaded.ttlHint()).isEqualTo(Duration.ofSeconds(864_000));
  }

  @Test
  void aRequestWithAuthorization_keepsResponsesLocal_unlessTheyAreMarkedShareable() {
    HttpLoaderOptions options =
        HttpLoaderOptions.builder().requestHeader("Authorization", "Bearer secret").build();
    assertThat(loadWith(options, "Cache-Control", "max-age=60").storage()).isEqualTo(Storage.LOCAL_ONLY);
    assertThat(loadWith(options, "Cache-Control", "public, max-age=60").storage())
        .isEqualTo(Storage.EVERYWHERE);
    assertThat(loadWith(options, "Cache-Control", "s-maxage=60").storage()).isEqualTo(Storage.EVERYWHERE);
    assertThat(loadWith(options, "Cache-Control", "max-age=60, must-revalidate").storage())
        .isEqualTo(Storage.EVERYWHERE);
    assertThat(server.requests().get(server.requestCount() - 1).header("Authorization"))
        .isEqualTo("Bearer secret");
  }

  @Test
  void validatorsAndContentType_areReported() {
    Loaded<HttpValue> loaded =
        load("ETag", "\"v1\"", "Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT",
            "Content-Type", "text/plain; charset=utf-8", "X-Other", "dropped");
    assertThat(loaded.etag()).isEqualTo("\"v1\"");
    assertThat(loaded.lastModified()).isEqualTo("Sun, 06 Nov 1994 08:49:37 GMT");
    assertThat(loaded.contentType()).isEqualTo("text/plain; charset=utf-8");
    HttpValue value = loaded.value();
    assertThat(value.status()).isEqualTo(200);
    assertThat(value.bodyAsString()).isEqualTo("body");
    assertThat(value.etag()).contains("\"v1\"");
    assertThat(value.headers()).doesNotContainKey("x-other").doesNotContainKey("date");
  }

  private static Loaded<HttpValue> load(String... headers) {
    return loadWith(HttpLoaderOptions.ofDefaults(), headers);
  }

  private static Loaded<HttpValue> loadWith(HttpLoaderOptions options, String... headers) {
    server.handler(exchange -> TestServer.respond(exchange, 200, "body", resolve(headers)));
    return HttpLoader.create(server.uri("/fresh/"), options).loadEntry("k");
  }

  private static String[] resolve(String[] headers) {
    Instant now = Instant.now();
    List<String> out = new ArrayList<>();
    for (String h : headers) {
      if (h.startsWith("{now+")) {
        long seconds = Long.parseLong(h.substring(5, h.length() - 1));
        h = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", java.util.Locale.ROOT).format(now.plusSeconds(seconds).atOffset(ZoneOffset.UTC));
      }
      out.add(h);
    }
    return out.toArray(String[]::new);
  }

}
