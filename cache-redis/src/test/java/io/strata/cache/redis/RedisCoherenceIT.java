package io.strata.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.cache.Lookup;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.MultiLevelCacheBuilder;
import io.strata.cache.TierHealth;
import io.strata.cache.codec.Codec;
import io.strata.cache.redis.harness.Await;
import io.strata.cache.redis.harness.CloseAfterEach;
import io.strata.cache.redis.harness.FaultProxy;
import io.strata.cache.redis.harness.RedisExtension;
import io.strata.cache.redis.harness.RedisNode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Cross-instance coherence on a real server: two clients stand for two service instances. Every
 * fault the coherence rules name is driven for real: a write racing a read, a killed tracking
 * connection, a restarted server, a stopped server, FLUSHALL.
 */
class RedisCoherenceIT {

  @RegisterExtension static final RedisExtension REDIS = RedisExtension.standalone();

  private static final Duration SOON = Duration.ofSeconds(10);
  private static final Duration SHIELD_BOUND = Duration.ofSeconds(30);

  private final AtomicInteger loads = new AtomicInteger();
  @RegisterExtension final CloseAfterEach toClose = new CloseAfterEach();

  @BeforeEach
  void redisIsUp() {
    if (!REDIS.server().isRunning()) {
      REDIS.server().restart();
    }
    REDIS.server().resume();
    REDIS.flushAll();
  }


  /**
   * Timeouts no stall of a loaded machine reaches: a false outage (a read timed out, a missed
   * heartbeat and its flush) would change what these tests see. Drops are noticed by their
   * disconnect, not by a timeout.
   */
  private RedisCacheClient client(String uri) {
    return client(uri, Duration.ofSeconds(2), Duration.ofMillis(500), Duration.ofSeconds(5));
  }

  /** Notices a silent server within about half a second: heartbeat 200 ms, deadline 300 ms. */
  private RedisCacheClient quickToNotice(String uri) {
    return client(uri, Duration.ofMillis(300), Duration.ofMillis(200), Duration.ofMillis(300));
  }

  private RedisCacheClient client(
      String uri, Duration commandTimeout, Duration heartbeat, Duration heartbeatDeadline) {
    RedisCacheClient client =
        RedisTierKit.connected(
            RedisConnectionOptions.standalone(uri)
                .commandTimeout(commandTimeout)
                .invalidationHeartbeat(heartbeat, heartbeatDeadline)
                .build());
    toClose.add(client);
    return client;
  }

  private MultiLevelCache<String, String> instance(RedisCacheClient client, String name) {
    return instance(client, name, false);
  }

  /** A strict instance: its local tier is flushed and bypassed while it cannot hear changes. */
  private MultiLevelCache<String, String> strict(RedisCacheClient client, String name) {
    return instance(client, name, true);
  }

  private MultiLevelCache<String, String> instance(
      RedisCacheClient client, String name, boolean strict) {
    MultiLevelCacheBuilder<String, String> builder =
        MultiLevelCache.<String, String>builder(name).ttl(Duration.ofMinutes(5));
    if (strict) {
      builder.strictCoherence();
    } else {
      builder.localTtl(SHIELD_BOUND);
    }
    MultiLevelCache<String, String> cache =
        builder
            .tier(
                RedisTier.builder(client, KeyMapper.strings(), Codec.utf8())
                    .circuitBreaker(
                        CircuitBreakerConfig.builder()
                            .openDuration(Duration.ofMillis(100))
                            .maxOpenDuration(Duration.ofMillis(500))
                            .build())
                    .build())
            .loader(
                key -> {
                  loads.incrementAndGet();
                  return "loaded-" + key;
                })
            .build();
    toClose.add(cache);
    RedisTierKit.awaitCoherent(cache);
    return cache;
  }

  private static CountingObserver observe(MultiLevelCache<String, String> cache) {
    CountingObserver observer = new CountingObserver();
    cache.advanced().addObserver(observer);
    return observer;
  }

  /** Reads {@code key} until the local tier serves it (the first read may be answered below). */
  private static void settleLocally(MultiLevelCache<String, String> cache, String key) {
    Await.until(SOON, () -> "local".equals(cache.lookup(key).tier()), key + " in the local tier");
  }

  @Test
  void putAndInvalidateOnA_evictTheKeyFromBsLocalTier() {
    MultiLevelCache<String, String> a = instance(client(REDIS.uri()), "shared");
    MultiLevelCache<String, String> b = instance(client(REDIS.uri()), "shared");
    b.get("k");
    settleLocally(b, "k");

    a.put("k", "new");
    Await.until(SOON, () -> "new".equals(b.getIfPresent("k")), "B to see A's put");
    settleLocally(b, "k");

    a.invalidate("k");
    Await.until(SOON, () -> b.getIfPresent("k") == null, "B to see A's invalidate");
  }

  @Test
  void aReadRacingAWrite_neverLeavesTheOldValueInTheLocalTier() throws Exception {
    MultiLevelCache<String, String> a = instance(client(REDIS.uri()), "race");
    FaultProxy proxy =
        FaultProxy.start("127.0.0.1", REDIS.server().port())
            .exemptConnectionsSaying("strata-invalidations");
    toClose.add(proxy);
    RedisCacheClient viaProxy = client(proxy.uri());
    MultiLevelCache<String, String> b = instance(viaProxy, "race");
    CountingObserver heard = observe(b);
    a.put("k", "old");
    Await.until(SOON, () -> heard.invalidationsReceived.get() >= 1, "B to hear the first put");

    // B's read reaches Redis and reads "old"; its reply is held while A writes "new", and the
    // invalidation (on B's tracking connection, not held) arrives before the reply.
    proxy.holdReplies();
    long readsBefore = REDIS.server().commandCalls("exec");
    CompletableFuture<String> read = CompletableFuture.supplyAsync(() -> b.getIfPresent("k"));
    Await.until(
        SOON, () -> REDIS.server().commandCalls("exec") > readsBefore, "B's read on the server");
    a.put("k", "new");
    Await.until(SOON, () -> heard.invalidationsReceived.get() >= 2, "B to hear the racing put");
    proxy.releaseReplies();

    assertThat(read.get()).isEqualTo("old"); // the one call that may return the old value
    assertThat(b.advanced().estimatedLocalSize()).as("B's local tier after the race").isZero();
    assertThat(b.getIfPresent("k")).isEqualTo("new");
  }

  @Test
  void inStrictMode_aKilledTrackingConnection_flushesAtOnce_andNothingStaleIsReadAfterTheGap() {
    FaultProxy proxy =
        FaultProxy.start("127.0.0.1", REDIS.server().port()).exemptConnectionsSaying("strata-cache");
    toClose.add(proxy);
    MultiLevelCache<String, String> a = instance(client(REDIS.uri()), "killed");
    MultiLevelCache<String, String> b = strict(client(proxy.uri()), "killed");
    CountingObserver observed = observe(b);
    List<String> keys = List.of("k1", "k2", "k3", "k4", "k5");
    for (String key : keys) {
      b.get(key);
      settleLocally(b, key);
    }

    proxy.cutAfterBytes(0); // new tracking connections fail until healed: the gap stays open
    long killed = REDIS.server().killClientsNamed("strata-invalidations");
    assertThat(killed).isPositive();

    Await.until(SOON, () -> observed.flushes.contains("disconnect"), "B to flush on the drop");
    assertThat(b.advanced().estimatedLocalSize()).isZero();
    assertThat(b.advanced().health().get("redis").state()).isEqualTo(TierHealth.State.DEGRADED);
    for (String key : keys) {
      a.put(key, "rewritten-" + key); // B cannot hear these
    }
    for (String key : keys) {
      assertThat(b.get(key)).isEqualTo("rewritten-" + key); // read from Redis, kept nowhere
    }
    assertThat(b.advanced().estimatedLocalSize()).isZero();

    proxy.heal();
    RedisTierKit.awaitCoherent(b);
    for (String key : keys) {
      b.get(key);
      assertThat(b.get(key)).isEqualTo("rewritten-" + key);
    }
  }

  @Test
  void aKilledTrackingConnection_keepsTheLocalTierServingWithinTheBound_andFlushesWhenReArmed() {
    FaultProxy proxy =
        FaultProxy.start("127.0.0.1", REDIS.server().port()).exemptConnectionsSaying("strata-cache");
    toClose.add(proxy);
    MultiLevelCache<String, String> a = instance(client(REDIS.uri()), "shielded");
    MultiLevelCache<String, String> b = instance(client(proxy.uri()), "shielded");
    CountingObserver observed = observe(b);
    b.get("k");
    settleLocally(b, "k");

    proxy.cutAfterBytes(0); // new tracking connections fail until healed: the gap stays open
    assertThat(REDIS.server().killClientsNamed("strata-invalidations")).isPositive();
    Await.until(
        SOON,
        () -> b.advanced().health().get("redis").state() == TierHealth.State.DEGRADED,
        "B to notice it cannot hear");
    a.put("k", "rewritten"); // B cannot hear it

    // Within the bound B may serve what it holds; it never reaches the loader for it.
    assertThat(b.lookup("k")).isEqualTo(new Lookup<>("loaded-k", "local", false));
    assertThat(observed.flushes).isEmpty();

    proxy.heal();
    RedisTierKit.awaitCoherent(b);
    assertThat(observed.flushes).contains("resume");
    assertThat(b.get("k")).as("flushed when re-armed: read again from Redis").isEqualTo("rewritten");
  }

  @Test
  void aDropWhileAHeartbeatIsInFlight_isFlushedAsADisconnect_notAsAMissedHeartbeat() {
    FaultProxy proxy =
        FaultProxy.start("127.0.0.1", REDIS.server().port()).exemptConnectionsSaying("strata-cache");
    toClose.add(proxy);
    RedisCacheClient client =
        RedisTierKit.connected(
            RedisConnectionOptions.standalone(proxy.uri())
                // Frequent heartbeats with a deadline far away: one is surely in flight below.
                .invalidationHeartbeat(Duration.ofMillis(50), Duration.ofSeconds(30))
                .build());
    toClose.add(client);
    MultiLevelCache<String, String> cache = strict(client, "inflight");
    CountingObserver observed = observe(cache);

    proxy.holdReplies();
    long sent = proxy.bytesClientToServer();
    Await.until(SOON, () -> proxy.bytesClientToServer() > sent, "a heartbeat to be sent");
    proxy.resetAll();

    Await.until(SOON, () -> !observed.flushes.isEmpty(), "a flush on the drop");
    assertThat(observed.flushes.get(0)).isEqualTo("disconnect");
  }

  @Test
  void inStrictMode_aServerRestart_flushes_andNoLocalFillHappensBeforeTrackingIsReArmed() {
    RedisCacheClient clientB = client(REDIS.uri());
    MultiLevelCache<String, String> b = strict(clientB, "restart");
    CountingObserver observed = observe(b);
    b.get("k");
    settleLocally(b, "k");

    REDIS.server().shutdownNoSave();
    Await.until(SOON, () -> observed.flushes.contains("disconnect"), "B to flush on the drop");
    for (int i = 0; i < 200; i++) {
      b.get("during-" + i); // answered by the loader; Redis is down
    }
    assertThat(b.advanced().estimatedLocalSize()).as("no fill while down").isZero();

    REDIS.server().restart();
    RedisTierKit.awaitCoherent(b);
    List<InvalidationStatus> status = clientB.invalidationStatus();
    assertThat(status).hasSize(1);
    assertThat(status.get(0).state()).isEqualTo("ARMED");
    assertThat(status.get(0).serverFlags()).contains("on", "bcast", "noloop");
    assertThat(status.get(0).serverPrefixes()).containsExactly("strata:restart:");
    String clients = REDIS.server().clientList();
    assertThat(clients).containsPattern("flags=[a-zA-Z]*t[a-zA-Z]*B[^ ]* .*name=strata-invalidations|name=strata-invalidations.*flags=");

    b.get("after");
    settleLocally(b, "after");
  }

  @Test
  void inStrictMode_aStoppedServer_isCaughtByTheHeartbeat_andCoherentCachingResumesAfter() {
    MultiLevelCache<String, String> a = instance(quickToNotice(REDIS.uri()), "stopped");
    MultiLevelCache<String, String> b = strict(quickToNotice(REDIS.uri()), "stopped");
    CountingObserver observed = observe(b);
    b.get("k");
    settleLocally(b, "k");

    RedisNode server = REDIS.server();
    server.pause();
    long stoppedAt = System.nanoTime();
    try {
      // Heartbeat every 200 ms, deadline 300 ms: caught within about half a second.
      Await.until(Duration.ofSeconds(3), () -> observed.flushes.contains("heartbeat"), "the heartbeat");
      assertThat(Duration.ofNanos(System.nanoTime() - stoppedAt)).isLessThan(Duration.ofSeconds(2));
      assertThat(b.advanced().estimatedLocalSize()).isZero();
      assertThat(b.get("k")).isEqualTo("loaded-k"); // Redis silent: the loader answers
      assertThat(b.advanced().estimatedLocalSize()).isZero();
      long remaining = Duration.ofSeconds(10).toNanos() - (System.nanoTime() - stoppedAt);
      sleep(Duration.ofNanos(Math.max(0, remaining)));
    } finally {
      server.resume();
    }
    RedisTierKit.awaitCoherent(b);
    a.put("k", "after");
    Await.until(SOON, () -> "after".equals(b.getIfPresent("k")), "B to read A's write");
    settleLocally(b, "k");
    a.put("k", "again");
    Await.until(SOON, () -> "again".equals(b.getIfPresent("k")), "B to hear A again");
  }

  @Test
  void flushAll_flushesEveryLocalTier_andSingleKeyInvalidationsStillWork() {
    MultiLevelCache<String, String> a = instance(client(REDIS.uri()), "flushed");
    MultiLevelCache<String, String> b = instance(client(REDIS.uri()), "flushed");
    CountingObserver observed = observe(b);
    b.get("k");
    settleLocally(b, "k");

    REDIS.server().command("FLUSHALL");

    Await.until(SOON, () -> observed.flushes.contains("flushall"), "B to flush");
    assertThat(b.advanced().estimatedLocalSize()).isZero();
    b.get("k");
    settleLocally(b, "k");
    a.put("k", "new");
    Await.until(SOON, () -> "new".equals(b.getIfPresent("k")), "a later invalidation");
  }

  @Test
  void invalidateAll_clearsRedisAndEveryInstancesLocalTier() {
    MultiLevelCache<String, String> a = instance(client(REDIS.uri()), "everything");
    MultiLevelCache<String, String> b = instance(client(REDIS.uri()), "everything");
    MultiLevelCache<String, String> other = instance(client(REDIS.uri()), "other");
    CountingObserver heardByB = observe(b);
    for (int i = 0; i < 50; i++) {
      b.get("k" + i);
      other.get("k" + i);
    }
    settleLocally(b, "k0");
    settleLocally(other, "k0");
    int loadsBefore = loads.get();
    int heardBefore = heardByB.invalidationsReceived.get();

    a.invalidateAll();

    Await.until(SOON, () -> b.advanced().estimatedLocalSize() == 0, "B's local tier to empty");
    // The deletions' own pushes too, so that most runs store the load of k7 below.
    Await.until(
        SOON,
        () -> heardByB.invalidationsReceived.get() >= heardBefore + 50,
        "B to hear the 50 deletions");
    assertThat(b.getIfPresent("k7")).isNull();
    assertThat(b.get("k7")).isEqualTo("loaded-k7");
    assertThat(loads.get()).isEqualTo(loadsBefore + 1);
    assertThat(other.lookup("k0").tier()).as("another cache is untouched").isEqualTo("local");
    Object left = REDIS.server().command("KEYS", "strata:everything:*");
    // Nothing else. The load of k7 is stored unless a push for k7 still reached B during it (for
    // one, the echo of B's own earlier store of k7, checked only after the deletion): FillGuard
    // then rightly keeps it out. A put shows that the namespace takes writes again.
    assertThat((List<?>) left)
        .map(String::valueOf)
        .as("fills refused: %s", heardByB.fillsRefused)
        .isSubsetOf("strata:everything:k7");
    b.put("k8", "v8");
    assertThat(REDIS.server().command("EXISTS", "strata:everything:k8")).isEqualTo(1L);
    // One flush per instance: the namespace key that carried it is gone, so it cannot expire
    // into a second one later.
    assertThat(heardByB.flushes).containsExactly("invalidate-all");
    assertThat(REDIS.server().command("EXISTS", "strata:everything:")).isEqualTo(0L);
  }

  @Test
  void overlappingNamespacesOnOneClient_areRefusedAtBuildTime() {
    RedisCacheClient client = client(REDIS.uri());
    instance(client, "users");
    assertThatThrownBy(
            () ->
                MultiLevelCache.<String, String>builder("admin")
                    .tier(
                        RedisTier.builder(client, KeyMapper.strings(), Codec.utf8())
                            .prefix("strata:users:")
                            .build())
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"strata:users:admin:\"")
        .hasMessageContaining("overlaps \"strata:users:\"");
  }

  @Test
  void closingTheClient_afterItsCaches_closesEachConnectionOnce_quietly() {
    // Whether a second close happens depends on a race, so a few clients, each opened and closed.
    for (int round = 0; round < 10; round++) {
      RedisCacheClient client = client(REDIS.uri());
      MultiLevelCache<String, String> cache = instance(client, "closing");
      cache.put("k", "v");

      String log =
          RedisSecuritySupport.capturingStderr(
              () -> {
                cache.close();
                client.close();
                return null;
              });

      // Lettuce logs "Connection is already closed" when one is closed a second time, e.g. by the
      // client's shutdown before the tracking connection's own close finished.
      assertThat(log).as("log of closing client %d", round).doesNotContain("WARN");
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
