package io.strata.cache.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.MultiLevelCache;
import io.strata.cache.testkit.FakeTicker;
import io.strata.cache.testkit.InMemoryTier;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The HTTP working group's cache-tests (github: http-tests/cache-tests, tests/*.mjs), the
 * "required" cases that apply to a shared cache in front of one origin, ported as data: each row
 * names its cache-tests id, the response the origin gives (status and headers; {@code {N}} is an
 * HTTP date N seconds from the moment of the response, as cache-tests' numeric header values are),
 * and whether the second request, after cache-tests' pause (3 s, on the injected ticker), is
 * served from the cache. "Shared" is measured as cache-tests measures it from outside: a second
 * instance (another cache on the same shared tier) asks, so what is kept only in the first
 * instance's local tier counts as not cached. Multi-step cases are in {@link ConformanceStepsIT}.
 * The README's conformance section counts these rows.
 */
class ConformanceIT {

  enum Expect {
    CACHED,
    NOT_CACHED
  }

  record Row(String id, Expect expect, int status, String[] headers) {
    @Override
    public String toString() {
      return id;
    }
  }

  static Row row(String id, Expect expect, int status, String... headers) {
    return new Row(id, expect, status, headers);
  }

  static Row row(String id, Expect expect, String... headers) {
    return new Row(id, expect, 200, headers);
  }

  private static final Expect C = Expect.CACHED;
  private static final Expect N = Expect.NOT_CACHED;
  private static final String[] STALE = {"Expires", "{-5000}", "Last-Modified", "{-100000}", "Date", "{0}"};
  private static final String[] HEURISTIC = {"Last-Modified", "{-86400}", "Date", "{0}"};

  static Stream<Row> rows() {
    Stream<Row> explicit =
        Stream.of(
            // age-parse
            row("age-parse-nonnumeric", C, "Date", "{0}", "Cache-Control", "max-age=3600", "Age", "abc"),
            row("age-parse-negative", C, "Date", "{0}", "Cache-Control", "max-age=3600", "Age", "-7200"),
            row("age-parse-float", C, "Date", "{0}", "Cache-Control", "max-age=3600", "Age", "7200.0"),
            row("age-parse-large-minus-one", N, "Date", "{0}", "Cache-Control", "max-age=3600", "Age", "2147483647"),
            row("age-parse-large", N, "Date", "{0}", "Cache-Control", "max-age=3600", "Age", "2147483648"),
            row("age-parse-larger", N, "Date", "{0}", "Cache-Control", "max-age=3600", "Age", "2147483649"),
            row("age-parse-suffix", N, "Date", "{0}", "Cache-Control", "max-age=3600", "Age", "7200, 0"),
            row("age-parse-prefix", C, "Date", "{0}", "Cache-Control", "max-age=3600", "Age", "0, 7200"),
            row("age-parse-suffix-twoline", N,
                "Date", "{0}", "Cache-Control", "max-age=3600", "Age", "7200", "Age", "0"),
            row("age-parse-prefix-twoline", C,
                "Date", "{0}", "Cache-Control", "max-age=3600", "Age", "0", "Age", "7200"),
            row("age-parse-dup-0", C, "Date", "{0}", "Cache-Control", "max-age=3600", "Age", "0, 0"),
            row("age-parse-dup-0-twoline", C,
                "Date", "{0}", "Cache-Control", "max-age=3600", "Age", "0", "Age", "0"),
            row("age-parse-dup-old", C,
                "Date", "{0}", "Cache-Control", "max-age=10000", "Age", "3600", "Age", "3600"),
            // authorization: the loader's requests carry Authorization in this row (see below)
            row("other-authorization", N, "Cache-Control", "max-age=100000", "Date", "{0}"),
            // cc-freshness
            row("freshness-max-age-stale", N, "Cache-Control", "max-age=2", "Date", "{0}"),
            row("freshness-max-age-0", N, "Cache-Control", "max-age=0"),
            row("freshness-max-age-age", N, "Date", "{0}", "Cache-Control", "max-age=3600", "Age", "7200"),
            row("freshness-max-age-0-expires", N,
                "Expires", "{3600}", "Cache-Control", "max-age=0", "Date", "{0}"),
            row("freshness-max-age-negative", N, "Cache-Control", "max-age=-3600"),
            row("freshness-s-maxage-shared", C, "Cache-Control", "s-maxage=3600"),
            row("freshness-max-age-s-maxage-shared-longer", N, "Cache-Control", "max-age=3600, s-maxage=1"),
            row("freshness-max-age-s-maxage-shared-longer-reversed", N,
                "Cache-Control", "s-maxage=1, max-age=3600"),
            row("freshness-max-age-s-maxage-shared-longer-multiple", N,
                "Cache-Control", "max-age=3600", "Cache-Control", "s-maxage=1"),
            // cc-parse
            row("freshness-max-age-ignore-quoted", N, "Cache-Control", "extension=\"max-age=3600\", max-age=1"),
            row("freshness-max-age-ignore-quoted-rev", N,
                "Cache-Control", "max-age=1, extension=\"max-age=3600\""),
            row("freshness-max-age-leading-zero", C, "Cache-Control", "max-age=003600"),
            row("freshness-max-age-single-quoted", N, "Cache-Control", "max-age='3600'"),
            // cc-response
            row("cc-resp-private-shared", N, "Cache-Control", "private, max-age=3600"),
            row("cc-resp-no-store", N, "Cache-Control", "no-store"),
            row("cc-resp-no-store-case-insensitive", N, "Cache-Control", "No-StOrE"),
            row("cc-resp-no-store-fresh", N,
                "Cache-Control", "max-age=10000, no-store", "Expires", "{10000}", "Date", "{0}"),
            row("cc-resp-no-cache", N,
                "Cache-Control", "max-age=10000, no-cache", "Expires", "{10000}", "Date", "{0}"),
            row("cc-resp-no-cache-case-insensitive", N,
                "Cache-Control", "max-age=10000, No-CaChE", "Expires", "{10000}", "Date", "{0}"),
            // expires-freshness
            row("freshness-expires-past", N, "Expires", "{-2592000}", "Date", "{0}"),
            row("freshness-expires-present", N, "Expires", "{0}", "Date", "{0}"),
            row("freshness-expires-old-date", N, "Expires", "{300}", "Date", "{400}"),
            row("freshness-expires-invalid", N, "Expires", "0", "Date", "{0}"),
            row("freshness-expires-age-slow-date", N, "Date", "{-10}", "Expires", "{10}", "Age", "25"),
            row("freshness-expires-age-fast-date", N, "Date", "{10}", "Expires", "{20}", "Age", "15"),
            // expires-parse
            row("freshness-expires-invalid-utc", N, "Expires", "Thu, 18 Aug 2050 02:01:18 UTC", "Date", "{0}"),
            row("freshness-expires-invalid-aest", N, "Expires", "Thu, 18 Aug 2050 02:01:18 AEST", "Date", "{0}"),
            row("freshness-expires-invalid-2-digit-year", N, "Expires", "Thu, 18 Aug 50 02:01:18 GMT", "Date", "{0}"),
            row("freshness-expires-invalid-no-comma", N, "Expires", "Thu 18 Aug 2050 02:01:18 GMT", "Date", "{0}"),
            row("freshness-expires-invalid-multiple-spaces", N,
                "Expires", "Thu, 18  Aug  2050 02:01:18 GMT", "Date", "{0}"),
            row("freshness-expires-invalid-date-dashes", N, "Expires", "Thu, 18-Aug-2050 02:01:18 GMT", "Date", "{0}"),
            row("freshness-expires-invalid-time-periods", N, "Expires", "Thu, 18 Aug 2050 02.01.18 GMT", "Date", "{0}"),
            row("freshness-expires-invalid-1-digit-hour", N, "Expires", "Thu, 18 Aug 2050 2:01:18 GMT", "Date", "{0}"),
            row("freshness-expires-invalid-multiple-lines", N,
                "Expires", "Thu, 18 Aug 2050 2:01:18 GMT", "Expires", "Thu, 18 Aug 2050 2:01:19 GMT", "Date", "{0}"),
            // heuristic-freshness (the "required" rows: statuses that are not heuristically cacheable)
            row("heuristic-201-not_cached", N, 201, HEURISTIC),
            row("heuristic-202-not_cached", N, 202, HEURISTIC),
            row("heuristic-403-not_cached", N, 403, HEURISTIC),
            row("heuristic-502-not_cached", N, 502, HEURISTIC),
            row("heuristic-503-not_cached", N, 503, HEURISTIC),
            row("heuristic-504-not_cached", N, 504, HEURISTIC),
            row("heuristic-599-not_cached", N, 599, HEURISTIC),
            // stale: nothing may be served stale past must-revalidate & co when the origin is gone;
            // here the origin answers 503 (a "disconnect" in cache-tests)
            row("stale-close-must-revalidate", N, "Cache-Control", "max-age=2, must-revalidate"),
            row("stale-close-proxy-revalidate", N, "Cache-Control", "max-age=2, proxy-revalidate"),
            row("stale-close-no-cache", N, "Cache-Control", "max-age=2, no-cache"),
            row("stale-close-s-maxage=2", N, "Cache-Control", "max-age=2, s-maxage=2"),
            row("status-599-must-understand", N, 599, "Cache-Control", "max-age=3600, no-store, must-understand"),
            // vary (the loader sends no varying request headers, so only Vary: * applies)
            row("vary-star", N, "Cache-Control", "max-age=5000", "Last-Modified", "{-3000}", "Date", "{0}", "Vary", "*"),
            row("vary-syntax-star", N, "Cache-Control", "max-age=5000", "Vary", "*"),
            row("vary-syntax-star-star", N, "Cache-Control", "max-age=5000", "Vary", "*, *"),
            row("vary-syntax-star-star-lines", N, "Cache-Control", "max-age=5000", "Vary", "*", "Vary", "*"),
            row("vary-syntax-empty-star", N, "Cache-Control", "max-age=5000", "Vary", ", *"),
            row("vary-syntax-empty-star-lines", N, "Cache-Control", "max-age=5000", "Vary", "", "Vary", "*"),
            row("vary-syntax-star-foo", N, "Cache-Control", "max-age=5000", "Vary", "*, Foo"),
            row("vary-syntax-foo-star", N, "Cache-Control", "max-age=5000", "Vary", "Foo, *"));
    Stream<Row> statuses =
        Stream.of(200, 203, 204, 299, 301, 302, 303, 307, 308, 400, 404, 410, 499, 500, 502, 503, 504, 599)
            .map(status -> row("status-" + status + "-stale", N, status, STALE));
    return Stream.concat(explicit, statuses);
  }

  private static RawServer server;
  private static volatile Row current;

  @BeforeAll
  static void start() {
    server =
        new RawServer(
            out -> {
              Row row = current;
              StringBuilder head = new StringBuilder("HTTP/1.1 " + row.status() + " Whatever\r\n");
              String[] h = row.headers();
              Instant now = Instant.now();
              for (int i = 0; i < h.length; i += 2) {
                head.append(h[i]).append(": ").append(date(h[i + 1], now)).append("\r\n");
              }
              boolean bodiless = row.status() == 204 || row.status() == 304;
              head.append("Connection: close\r\n");
              if (!bodiless) {
                head.append("Content-Length: 4\r\n");
              }
              head.append("\r\n");
              if (!bodiless) {
                head.append("body");
              }
              out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            });
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  private static final Pattern OFFSET = Pattern.compile("\\{(-?\\d+)}");
  private static final DateTimeFormatter IMF =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ROOT).withZone(ZoneOffset.UTC);

  static String date(String value, Instant now) {
    Matcher m = OFFSET.matcher(value);
    return m.matches() ? IMF.format(now.plusSeconds(Long.parseLong(m.group(1)))) : value;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void row(Row row) {
    current = row;
    FakeTicker ticker = new FakeTicker();
    InMemoryTier.Store shared = new InMemoryTier.Store();
    HttpLoaderOptions.Builder options = HttpLoaderOptions.builder().sleeper(d -> {}).maxAttempts(1);
    if (row.id().equals("other-authorization")) {
      options.requestHeader("Authorization", "FOO");
    }
    HttpLoader<String> loader = HttpLoader.create(server.uri("/conformance/"), options.build());
    MultiLevelCache<String, HttpValue> first = cache(loader, shared, ticker);
    MultiLevelCache<String, HttpValue> second = cache(loader, shared, ticker);
    String key = row.id();
    int before = server.requests();
    try {
      first.get(key);
    } catch (RuntimeException e) {
      // a failing status is not cached either; what counts is the next request
    }
    ticker.advance(Duration.ofSeconds(3)); // cache-tests' pause_after
    if (row.id().startsWith("stale-close")) {
      current = row("disconnect", N, 503);
    }
    try {
      second.get(key);
    } catch (RuntimeException e) {
      // as above
    }
    int requests = server.requests() - before;
    Expect seen = requests == 1 ? Expect.CACHED : Expect.NOT_CACHED;
    assertThat(seen).as("%s: requests seen by the origin: %d", row.id(), requests).isEqualTo(row.expect());
  }

  private static MultiLevelCache<String, HttpValue> cache(
      HttpLoader<String> loader, InMemoryTier.Store shared, FakeTicker ticker) {
    return MultiLevelCache.<String, HttpValue>builder("conformance")
        .loader(loader)
        .tier(InMemoryTier.factory("shared", shared, HttpValue.codec()))
        .staleIfError(Duration.ofHours(1))
        .ticker(ticker)
        .build();
  }
}
