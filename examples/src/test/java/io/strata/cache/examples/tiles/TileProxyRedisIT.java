package io.strata.cache.examples.tiles;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.redis.harness.Await;
import io.strata.cache.redis.harness.RedisExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two proxy instances on one real redis-server, with one upstream: tiles are shared, a DELETE on
 * one reaches the other, and a Redis outage costs only cache hits, never an error response.
 */
class TileProxyRedisIT {

  @RegisterExtension static final RedisExtension REDIS = RedisExtension.standalone();

  private static final Duration WAIT = Duration.ofSeconds(20);

  private FakeTileServer upstream;
  private TileProxy a;
  private TileProxy b;

  @BeforeEach
  void start() {
    if (REDIS.isProcessLocal() && !REDIS.server().isRunning()) {
      REDIS.server().restart();
    }
    REDIS.flushAll();
    upstream = FakeTileServer.start(0, 300, Duration.ZERO, Duration.ofMillis(5));
    TileProxyConfig config =
        TileProxyConfig.ofDefaults()
            .withPort(0)
            .withUpstream(upstream.baseUri())
            .withRedisUrl(REDIS.uri());
    a = TileProxy.start(config);
    b = TileProxy.start(config);
    awaitHealth(a, "up");
    awaitHealth(b, "up");
  }

  @AfterEach
  void stop() {
    b.close();
    a.close();
    upstream.close();
  }

  @Test
  void aMiss_thenAHitLocal_thenBHitRedis_andDeleteOnA_reachesB() {
    String tile = "/tiles/12/2048/1361.png";

    assertThat(Http.xCache(Http.get(a.uri(), tile))).isEqualTo("MISS");
    // A's own write to Redis comes back to A as a push too, which A recognizes by the write's id
    // and drops (cache-redis README, "The writer keeps its own copy"): the next read is local.
    assertThat(Http.xCache(Http.get(a.uri(), tile))).isEqualTo("HIT-LOCAL");
    // B hears of A's write to Redis asynchronously; heard after B's first read, it would evict
    // what that read promoted. Wait for it, as a second instance in production simply would.
    Await.until(WAIT, () -> invalidationsReceived(b) >= 1, "B to hear A's write");
    assertThat(Http.xCache(Http.get(b.uri(), tile))).isEqualTo("HIT-REDIS");
    assertThat(upstream.requests(tile)).as("upstream requests before the delete").isEqualTo(1);

    // B now holds the tile locally.
    assertThat(Http.xCache(Http.get(b.uri(), tile))).isEqualTo("HIT-LOCAL");
    double heardBefore = invalidationsReceived(b);

    assertThat(Http.delete(a.uri(), tile).statusCode()).isEqualTo(204);

    // Redis pushes the key to B's invalidation connection as it deletes it; B acts on the push
    // asynchronously, so wait until B's own /metrics says it heard it (never a fixed sleep).
    Await.until(WAIT, () -> invalidationsReceived(b) > heardBefore, "B to hear the delete");
    HttpResponse<byte[]> afterDelete = Http.get(b.uri(), tile);
    assertThat(afterDelete.statusCode()).isEqualTo(200);
    assertThat(Http.xCache(afterDelete)).isNotEqualTo("HIT-LOCAL").isEqualTo("MISS");
    assertThat(upstream.requests(tile)).isEqualTo(2);
  }

  @Test
  void everyTile_isFetchedOnce_acrossBothInstances() {
    for (int x = 0; x < 8; x++) {
      String tile = "/tiles/3/" + x + "/1.png";
      assertThat(Http.xCache(Http.get(a.uri(), tile))).isEqualTo("MISS");
      assertThat(Http.xCache(Http.get(b.uri(), tile))).isEqualTo("HIT-REDIS");
    }
    for (int x = 0; x < 8; x++) {
      assertThat(upstream.requests("/tiles/3/" + x + "/1.png")).isEqualTo(1);
    }
  }

  @Test
  void redisKilledWhileServing_noErrors_healthDegraded_thenHitRedisReturns() throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger served = new AtomicInteger();
    Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    List<Thread> clients = List.of(client(a, running, served, statuses), client(b, running, served, statuses));
    clients.forEach(Thread::start);
    try {
      Await.until(WAIT, () -> served.get() > 50, "both instances to serve");

      REDIS.server().shutdownNoSave();

      awaitHealth(a, "degraded");
      awaitHealth(b, "degraded");
      String health = Http.text(Http.get(a.uri(), "/health"));
      assertThat(health).contains("\"name\":\"redis\"").doesNotContain("\"state\":\"ARMED\"");
      int duringOutage = served.get();
      Await.until(WAIT, () -> served.get() > duringOutage + 50, "tiles served while Redis is down");
      // New tiles too: straight from the upstream.
      assertThat(Http.get(a.uri(), "/tiles/5/1/1.png").statusCode()).isEqualTo(200);
      assertThat(Http.get(b.uri(), "/tiles/5/1/2.png").statusCode()).isEqualTo(200);

      REDIS.server().restart();

      awaitHealth(a, "up");
      awaitHealth(b, "up");
    } finally {
      running.set(false);
      for (Thread client : clients) {
        client.join(WAIT.toMillis());
      }
    }
    assertThat(statuses.keySet()).as("statuses seen by the clients: %s", statuses).containsOnly(200);

    // Shared again: a tile A loads is a HIT-REDIS on B. Polled over fresh tiles, since the first
    // writes after the restart may race the re-arming of the instances' tracking.
    AtomicInteger y = new AtomicInteger();
    Await.until(
        WAIT,
        () -> {
          String tile = "/tiles/10/7/" + y.incrementAndGet() + ".png";
          assertThat(Http.get(a.uri(), tile).statusCode()).isEqualTo(200);
          return Http.xCache(Http.get(b.uri(), tile)).equals("HIT-REDIS");
        },
        "HIT-REDIS on B for a tile A loaded, after Redis came back");
  }

  @Test
  void redisAtAClosedPort_eachTileReachesTheUpstreamOncePerBound_withoutErrors() throws Exception {
    int closedPort;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    try (TileProxy unreachable =
        TileProxy.start(
            TileProxyConfig.ofDefaults()
                .withPort(0)
                .withUpstream(upstream.baseUri())
                .withRedisUrl("redis://127.0.0.1:" + closedPort))) {
      for (int i = 0; i < 20; i++) {
        assertThat(Http.get(unreachable.uri(), "/tiles/6/1/1.png").statusCode()).isEqualTo(200);
        assertThat(Http.get(unreachable.uri(), "/tiles/6/1/2.png").statusCode()).isEqualTo(200);
      }

      // The local tier shields the upstream within its bound (the local TTL, one minute).
      assertThat(upstream.requests("/tiles/6/1/1.png")).isEqualTo(1);
      assertThat(upstream.requests("/tiles/6/1/2.png")).isEqualTo(1);
      String health = Http.text(Http.get(unreachable.uri(), "/health"));
      assertThat(health).startsWith("{\"status\":\"degraded\"");
    }
  }

  private static Thread client(
      TileProxy proxy, AtomicBoolean running, AtomicInteger served, Map<Integer, AtomicInteger> statuses) {
    return new Thread(
        () -> {
          for (int i = 0; i < 1_000_000 && running.get(); i++) {
            HttpResponse<byte[]> response = Http.get(proxy.uri(), "/tiles/4/" + (i % 16) + "/3.png");
            statuses.computeIfAbsent(response.statusCode(), s -> new AtomicInteger()).incrementAndGet();
            served.incrementAndGet();
          }
        },
        "client-" + proxy.port());
  }

  private static void awaitHealth(TileProxy proxy, String status) {
    Await.until(
        WAIT,
        () -> {
          HttpResponse<byte[]> health = Http.get(proxy.uri(), "/health");
          return health.statusCode() == 200
              && Http.text(health).startsWith("{\"status\":\"" + status + "\"");
        },
        "/health of " + proxy.uri() + " to say " + status);
  }

  private static final Pattern HEARD =
      Pattern.compile(
          "cache_tier_invalidations_received_total\\{cache=\"tiles\",tier=\"redis\"} (\\S+)");

  private static double invalidationsReceived(TileProxy proxy) {
    Matcher m = HEARD.matcher(Http.text(Http.get(proxy.uri(), "/metrics")));
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

}
