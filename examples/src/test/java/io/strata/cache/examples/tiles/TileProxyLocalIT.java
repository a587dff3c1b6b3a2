package io.strata.cache.examples.tiles;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The proxy on the local tier only, over a real fake upstream, through real HTTP. */
class TileProxyLocalIT {

  private FakeTileServer upstream;
  private TileProxy proxy;
  private URI base;

  @BeforeEach
  void start() {
    upstream = FakeTileServer.start(0, 300, Duration.ZERO, Duration.ofMillis(5));
    proxy =
        TileProxy.start(TileProxyConfig.ofDefaults().withPort(0).withUpstream(upstream.baseUri()));
    base = proxy.uri();
  }

  @AfterEach
  void stop() {
    proxy.close();
    upstream.close();
  }

  @Test
  void firstRequest_isMiss_secondIsHitLocal_withUpstreamHeaders() {
    HttpResponse<byte[]> first = Http.get(base, "/tiles/3/4/5.png");
    HttpResponse<byte[]> second = Http.get(base, "/tiles/3/4/5.png");

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(Http.xCache(first)).isEqualTo("MISS");
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(Http.xCache(second)).isEqualTo("HIT-LOCAL");
    assertThat(second.body()).isEqualTo(first.body()).isEqualTo(FakeTileServer.render(new TilePath(3, 4, 5)));
    // A PNG, with the upstream's content type.
    assertThat(first.body()).startsWith(0x89, 'P', 'N', 'G');
    assertThat(first.headers().firstValue("Content-Type")).hasValue("image/png");
    // max-age is the remaining lifetime: the upstream's 300 s, counting down, never more.
    assertThat(Http.maxAge(first)).isBetween(299L, 300L);
    assertThat(Http.maxAge(second)).isBetween(0L, Http.maxAge(first));
    assertThat(first.headers().firstValue("ETag")).hasValue("\"tile-3-4-5-v1\"");
    assertThat(first.headers().map()).doesNotContainKey(ExpiryStamp.HEADER);
    assertThat(upstream.requests("/tiles/3/4/5.png")).isEqualTo(1);
  }

  @Test
  void remainingLifetime_isWhatTheUpstreamGaveMinusTheTimeSpent() throws Exception {
    try (FakeTileServer shortLived = FakeTileServer.start(0, 3, Duration.ZERO, Duration.ZERO);
        TileProxy p =
            TileProxy.start(
                TileProxyConfig.ofDefaults().withPort(0).withUpstream(shortLived.baseUri()))) {
      assertThat(Http.maxAge(Http.get(p.uri(), "/tiles/1/1/1.png"))).isEqualTo(3);
      // Poll (no fixed sleep): the same local entry answers with less and less lifetime.
      io.strata.cache.redis.harness.Await.until(
          Duration.ofSeconds(10),
          () -> Http.maxAge(Http.get(p.uri(), "/tiles/1/1/1.png")) <= 1,
          "max-age to count down");
      assertThat(shortLived.requests("/tiles/1/1/1.png")).isEqualTo(1);
    }
  }

  @Test
  void badPaths_get404WithAReason_andNeverReachTheUpstream() {
    assertThat(Http.text(Http.get(base, "/tiles/23/0/0.png"))).contains("z must be between 0 and 22");
    assertThat(Http.get(base, "/tiles/23/0/0.png").statusCode()).isEqualTo(404);
    assertThat(Http.text(Http.get(base, "/tiles/2/4/0.png")))
        .contains("x must be between 0 and 3 at z=2");
    for (String path :
        new String[] {"/tiles/2/1/1.jpg", "/tiles/a/b/c.png", "/tiles/2/1/-1.png", "/nope"}) {
      HttpResponse<byte[]> response = Http.get(base, path);
      assertThat(response.statusCode()).as(path).isEqualTo(404);
      assertThat(Http.text(response)).as(path).isNotBlank();
    }
    assertThat(upstream.totalRequests()).isZero();
  }

  @Test
  void ifNoneMatch_withTheTilesEtag_gets304() {
    String etag = Http.get(base, "/tiles/2/1/1.png").headers().firstValue("ETag").orElseThrow();

    HttpResponse<byte[]> response =
        Http.send(
            HttpRequest.newBuilder(base.resolve("/tiles/2/1/1.png")).header("If-None-Match", etag));

    assertThat(response.statusCode()).isEqualTo(304);
    assertThat(Http.xCache(response)).isEqualTo("HIT-LOCAL");
  }

  @Test
  void delete_invalidates_soTheNextRequestIsAMiss() {
    Http.get(base, "/tiles/4/2/2.png");

    HttpResponse<byte[]> deleted = Http.delete(base, "/tiles/4/2/2.png");

    assertThat(deleted.statusCode()).isEqualTo(204);
    assertThat(Http.xCache(Http.get(base, "/tiles/4/2/2.png"))).isEqualTo("MISS");
    assertThat(upstream.requests("/tiles/4/2/2.png")).isEqualTo(2);
    assertThat(Http.delete(base, "/tiles/99/0/0.png").statusCode()).isEqualTo(404);
  }

  @Test
  void metrics_servePrometheusText_withCacheGets() {
    Http.get(base, "/tiles/1/0/0.png");
    Http.get(base, "/tiles/1/0/0.png");

    HttpResponse<byte[]> metrics = Http.get(base, "/metrics");

    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain");
    assertThat(Http.text(metrics))
        .contains("cache_gets_total{cache=\"tiles\",result=\"hit\"} 1.0")
        .contains("cache_gets_total{cache=\"tiles\",result=\"miss\"} 1.0")
        .contains("tile_proxy_responses_total{result=\"hit-local\"} 1.0");
  }

  @Test
  void health_is200_withTheLocalTierUp() {
    HttpResponse<byte[]> health = Http.get(base, "/health");

    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(Http.text(health))
        .startsWith("{\"status\":\"up\"")
        .contains("{\"name\":\"local\",\"state\":\"UP\",\"detail\":\"\",\"lastFlush\":null}");
  }

  @Test
  void upstream404_is404_andOtherMethodsAre405() {
    // The fake upstream refuses what the proxy would not send; an upstream 404 needs another
    // upstream: the proxy's own address, whose /tiles/... answers 404 for a path one level deeper.
    try (TileProxy p =
        TileProxy.start(
            TileProxyConfig.ofDefaults()
                .withPort(0)
                .withUpstream(URI.create(base + "/tiles/0/"))) /* /tiles/0/{z}/{x}/{y}.png */) {
      HttpResponse<byte[]> response = Http.get(p.uri(), "/tiles/1/1/1.png");
      assertThat(response.statusCode()).isEqualTo(404);
      assertThat(Http.text(response)).contains("no such tile upstream");
    }
    HttpResponse<byte[]> put =
        Http.send(
            HttpRequest.newBuilder(base.resolve("/tiles/1/1/1.png"))
                .PUT(HttpRequest.BodyPublishers.ofString("x")));
    assertThat(put.statusCode()).isEqualTo(405);
    assertThat(put.headers().firstValue("Allow")).hasValue("GET, HEAD, DELETE");
  }
}
