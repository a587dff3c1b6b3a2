package io.strata.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.CacheObserver;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.MultiLevelCacheBuilder;
import io.strata.cache.codec.Codec;
import io.strata.cache.redis.harness.Await;
import io.strata.cache.redis.harness.CloseAfterEach;
import io.strata.cache.redis.harness.FaultProxy;
import io.strata.cache.redis.harness.RedisExtension;
import io.strata.cache.redis.harness.RedisNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Redis outages of every kind, on a real server: the local tier keeps shielding the source within
 * the staleness bound, no caller sees an exception, and changes Redis did not take are replayed
 * once it is back, so that no instance serves, and Redis does not hold, a value an acknowledged
 * {@code put} or {@code invalidate} replaced. Counts what the source (the loader) and Redis saw.
 */
class RedisOutageIT {

  @RegisterExtension static final RedisExtension REDIS = RedisExtension.standalone();
  @RegisterExtension final CloseAfterEach toClose = new CloseAfterEach();

  private static final Duration OUTAGE = Duration.ofSeconds(10);
  private static final Duration BOUND = Duration.ofSeconds(2);
  private static final Duration READ_EVERY = Duration.ofMillis(50);

  /** The source of truth: what the loader returns, and what it was asked. */
  private final Map<String, String> source = new ConcurrentHashMap<>();
  private final AtomicInteger loads = new AtomicInteger();

  /** The kinds of outage, each started and ended on a real server or proxy. */
  enum Outage {
    /** SIGSTOP: connections stay open, nothing answers. */
    PAUSE,
    /** SHUTDOWN NOSAVE, then a restart on the same port. */
    KILL,
    /** A proxy that cuts every connection as soon as it carries a byte. */
    PROXY_CUT,
    /** A proxy that holds every byte, both ways. */
    PROXY_BLACKHOLE,
    /** A port nothing listens on, from the start: Redis is never there. */
    CLOSED_PORT
  }

  @BeforeEach
  void redisIsUp() {
    RedisNode server = REDIS.server();
    if (!server.isRunning()) {
      server.restart();
    }
    REDIS.flushAll();
    source.clear();
  }

  @AfterEach
  void thaw() {
    RedisNode server = REDIS.server();
    if (server.isRunning()) {
      server.resume();
    } else {
      server.restart();
    }
  }

  // ---------------------------------------------------------------- shielding the source

  @ParameterizedTest
  @EnumSource(Outage.class)
  void aHotKeyReadThroughAnOutage_reachesTheSourceAtMostOncePerBound(Outage outage)
      throws Exception {
    FaultProxy proxy = outage.name().startsWith("PROXY") ? proxy() : null;
    String uri =
        outage == Outage.CLOSED_PORT
            ? "redis://127.0.0.1:" + closedPort()
            : proxy != null ? proxy.uri() : REDIS.uri();
    RedisCacheClient client =
        outage == Outage.CLOSED_PORT ? client(uri) : RedisTierKit.connected(options(uri));
    toClose.add(client);
    LongAdder tierErrors = new LongAdder();
    MultiLevelCache<String, String> cache =
        cache("hot-" + outage.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'), client, false);
    cache.advanced().addObserver(countingErrors(tierErrors));
    source.put("tile", "v1");
    if (outage != Outage.CLOSED_PORT) {
      RedisTierKit.awaitCoherent(cache);
      assertThat(cache.get("tile")).isEqualTo("v1");
      loads.set(0);
    }

    start(outage, proxy);
    int reads = readFor(cache, "tile", OUTAGE);
    end(outage, proxy);

    long allowed = OUTAGE.toMillis() / BOUND.toMillis() + 2;
    assertThat(loads.get())
        .as("%s: loader calls for %d reads in %s with a %s bound", outage, reads, OUTAGE, BOUND)
        .isBetween(1, (int) allowed);
    assertThat(tierErrors.sum()).as("Redis was failing, and the cache noticed").isPositive();
    if (outage != Outage.CLOSED_PORT) {
      RedisTierKit.awaitCoherent(cache);
      assertThat(cache.get("tile")).isEqualTo("v1");
    }
  }

  @Test
  void inStrictMode_aHotKeyReadThroughAnOutage_reachesTheSourceOnEveryReadAsBefore() {
    RedisCacheClient client = RedisTierKit.connected(options(REDIS.uri()));
    toClose.add(client);
    MultiLevelCache<String, String> cache = cache("strict", client, true);
    source.put("tile", "v1");
    RedisTierKit.awaitCoherent(cache);
    cache.get("tile");
    loads.set(0);

    REDIS.server().pause();
    int reads = readFor(cache, "tile", OUTAGE);
    REDIS.server().resume();

    // The first reads are still served locally until the heartbeat notices (1 s at most).
    assertThat(loads.get()).as("loader calls for %d reads", reads).isGreaterThan(reads / 2);
  }

  // ---------------------------------------------------------------- no lost change

  @Test
  void putsAndInvalidatesDuringAnOutage_onTwoInstances_areNeverUndoneAfterRecovery() {
    RedisCacheClient clientA = RedisTierKit.connected(options(REDIS.uri()));
    RedisCacheClient clientB = RedisTierKit.connected(options(REDIS.uri()));
    toClose.add(clientA);
    toClose.add(clientB);
    MultiLevelCache<String, String> a = cache("changes", clientA, false);
    MultiLevelCache<String, String> b = cache("changes", clientB, false);
    source.put("put-on-a", "old");
    source.put("gone-on-b", "old");
    RedisTierKit.awaitCoherent(a);
    RedisTierKit.awaitCoherent(b);
    for (MultiLevelCache<String, String> cache : List.of(a, b)) {
      assertThat(cache.get("put-on-a")).isEqualTo("old");
      assertThat(cache.get("gone-on-b")).isEqualTo("old");
    }
    assertThat(storedValue("changes", "put-on-a")).isEqualTo("old");

    REDIS.server().pause();
    source.put("put-on-a", "new");
    a.put("put-on-a", "new"); // acknowledged, Redis does not answer
    source.put("gone-on-b", "new");
    b.invalidate("gone-on-b");
    assertThat(a.get("put-on-a")).isEqualTo("new");
    assertThat(b.get("gone-on-b")).isEqualTo("new");
    REDIS.server().resume();

    Await.until(
        Duration.ofSeconds(15),
        () -> !"old".equals(storedValue("changes", "put-on-a"))
            && !"old".equals(storedValue("changes", "gone-on-b")),
        "the deferred changes to be replayed into Redis");
    RedisTierKit.awaitCoherent(a);
    RedisTierKit.awaitCoherent(b);
    for (MultiLevelCache<String, String> cache : List.of(a, b)) {
      assertThat(cache.get("put-on-a")).as(cache.name()).isEqualTo("new");
      assertThat(cache.get("gone-on-b")).as(cache.name()).isEqualTo("new");
    }
  }

  @Test
  void aJournalThatOverflows_invalidatesTheWholeCacheInRedisOnRecovery() {
    RedisCacheClient client = RedisTierKit.connected(options(REDIS.uri()));
    toClose.add(client);
    MultiLevelCache<String, String> cache =
        cache(builder("overflow").outageJournalCapacity(3), client);
    RedisTierKit.awaitCoherent(cache);
    for (int i = 0; i < 10; i++) {
      cache.put("k" + i, "v");
    }
    assertThat(keysOf("overflow")).hasSize(10);

    REDIS.server().pause();
    for (int i = 0; i < 5; i++) {
      cache.invalidate("k" + i);
    }
    REDIS.server().resume();

    Await.until(
        Duration.ofSeconds(15),
        () -> keysOf("overflow").isEmpty(),
        "recovery to invalidate the cache's whole namespace in Redis");
  }

  // ---------------------------------------------------------------- helpers

  private int readFor(MultiLevelCache<String, String> cache, String key, Duration duration) {
    long end = System.nanoTime() + duration.toNanos();
    int reads = 0;
    while (System.nanoTime() - end < 0) {
      assertThat(cache.get(key)).isEqualTo(source.get(key)); // never an exception, never wrong
      reads++;
      try {
        Thread.sleep(READ_EVERY.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    return reads;
  }

  private void start(Outage outage, FaultProxy proxy) {
    switch (outage) {
      case PAUSE -> REDIS.server().pause();
      case KILL -> REDIS.server().shutdownNoSave();
      case PROXY_CUT -> proxy.cutAfterBytes(0);
      case PROXY_BLACKHOLE -> proxy.blackhole();
      case CLOSED_PORT -> {}
    }
  }

  private void end(Outage outage, FaultProxy proxy) {
    switch (outage) {
      case PAUSE -> REDIS.server().resume();
      case KILL -> REDIS.server().restart();
      case PROXY_CUT, PROXY_BLACKHOLE -> proxy.heal();
      case CLOSED_PORT -> {}
    }
  }

  private FaultProxy proxy() {
    FaultProxy proxy = FaultProxy.start(REDIS.server());
    toClose.add(proxy);
    return proxy;
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort(); // closed again when this returns
    }
  }

  private static RedisConnectionOptions options(String uri) {
    return RedisConnectionOptions.standalone(uri).commandTimeout(Duration.ofMillis(200)).build();
  }

  private RedisCacheClient client(String uri) {
    RedisCacheClient client = RedisCacheClient.create(options(uri));
    toClose.add(client);
    return client;
  }

  private MultiLevelCacheBuilder<String, String> builder(String name) {
    return MultiLevelCache.<String, String>builder(name)
        .ttl(Duration.ofMinutes(5))
        .localTtl(Duration.ofSeconds(30))
        .loader(
            key -> {
              loads.incrementAndGet();
              return source.get(key);
            });
  }

  private MultiLevelCache<String, String> cache(
      String name, RedisCacheClient client, boolean strict) {
    MultiLevelCacheBuilder<String, String> builder = builder(name);
    if (strict) {
      builder.strictCoherence();
    } else {
      builder.degradedLocalTtl(BOUND);
    }
    return cache(builder, client);
  }

  private MultiLevelCache<String, String> cache(
      MultiLevelCacheBuilder<String, String> builder, RedisCacheClient client) {
    MultiLevelCache<String, String> cache =
        builder.tier(RedisTier.factory(client, Codec.utf8())).build();
    toClose.add(cache);
    return cache;
  }

  private static CacheObserver countingErrors(LongAdder errors) {
    return new CacheObserver() {
      @Override
      public void tierError(String tier, Operation operation, Throwable error) {
        errors.increment();
      }
    };
  }

  /** Returns the value Redis holds for {@code key} of {@code cache}, or null. */
  private static String storedValue(String cache, String key) {
    Object value = REDIS.server().command("HGET", "strata:" + cache + ":" + key, "b");
    return value == null ? null : value.toString();
  }

  private static List<?> keysOf(String cache) {
    return (List<?>) REDIS.server().command("KEYS", "strata:" + cache + ":*");
  }
}
