package io.strata.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.MultiLevelCache;
import io.strata.cache.TierHealth;
import io.strata.cache.codec.Codec;
import io.strata.cache.redis.harness.Await;
import io.strata.cache.redis.harness.CloseAfterEach;
import io.strata.cache.redis.harness.FaultProxy;
import io.strata.cache.redis.harness.RedisExtension;
import io.strata.cache.redis.harness.RedisNode;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Redis down at start, killed under load, paused, and cut mid-command: callers never see an
 * exception, calls stay within the command timeout, and no key is left without a TTL.
 */
class RedisFailureIT {

  @RegisterExtension static final RedisExtension REDIS = RedisExtension.standalone();

  private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(200);

  private final AtomicInteger loads = new AtomicInteger();
  @RegisterExtension final CloseAfterEach toClose = new CloseAfterEach();

  @BeforeEach
  void redisIsUp() {
    if (!REDIS.server().isRunning()) {
      REDIS.server().restart();
    }
    REDIS.flushAll();
  }

  @AfterEach
  void closeAll() throws Exception {
    RedisNode server = REDIS.server();
    if (server.isRunning()) {
      server.resume();
    }
  }

  private RedisCacheClient client(String uri) {
    RedisCacheClient client =
        RedisCacheClient.create(
            RedisConnectionOptions.standalone(uri).commandTimeout(COMMAND_TIMEOUT).build());
    toClose.add(client);
    return client;
  }

  private RedisCacheClient connectedClient(String uri) {
    RedisCacheClient client =
        RedisTierKit.connected(
            RedisConnectionOptions.standalone(uri).commandTimeout(COMMAND_TIMEOUT).build());
    toClose.add(client);
    return client;
  }

  private MultiLevelCache<String, String> cache(
      String name, RedisCacheClient client, CircuitBreakerConfig breaker) {
    MultiLevelCache<String, String> cache =
        MultiLevelCache.<String, String>builder(name)
            .ttl(Duration.ofMinutes(5))
            .maximumSize(10_000)
            .tier(
                RedisTier.builder(client, KeyMapper.strings(), Codec.utf8())
                    .circuitBreaker(breaker)
                    .build())
            .loader(
                key -> {
                  loads.incrementAndGet();
                  return "loaded-" + key;
                })
            .build();
    toClose.add(cache);
    return cache;
  }

  private MultiLevelCache<String, String> cache(String name, RedisCacheClient client) {
    return cache(name, client, CircuitBreakerConfig.defaults());
  }

  @Test
  void redisDownAtStart_theCacheWorks_andUsesRedisOnceItIsUp() {
    REDIS.server().shutdownNoSave();
    MultiLevelCache<String, String> first = cache("late", client(REDIS.uri()));

    assertThat(first.get("a")).isEqualTo("loaded-a");
    // No invalidations can be heard yet, so the local tier is bypassed: the loader answers.
    assertThat(first.lookup("a").value()).isEqualTo("loaded-a");
    assertThat(first.advanced().health().get("redis").state()).isNotEqualTo(TierHealth.State.UP);

    REDIS.server().restart();
    MultiLevelCache<String, String> second = cache("late", connectedClient(REDIS.uri()));
    AtomicInteger attempt = new AtomicInteger();
    Await.until(
        Duration.ofSeconds(20),
        () -> {
          String key = "b" + attempt.incrementAndGet();
          first.put(key, "from-first");
          return "from-first".equals(second.getIfPresent(key));
        },
        "the first cache to write to Redis once it is up");
  }

  @Test
  void redisKilledDuringABurstOfLoads_callersSeeNoException_andGetTheLoadersValues()
      throws Exception {
    MultiLevelCache<String, String> cache = cache("burst", connectedClient(REDIS.uri()));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    AtomicInteger wrong = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    try {
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        workers.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 2_000; i++) {
                    String key = thread + ":" + i;
                    try {
                      if (!cache.get(key).equals("loaded-" + key)) {
                        wrong.incrementAndGet();
                      }
                    } catch (Throwable e) {
                      errors.add(e);
                    }
                    done.incrementAndGet();
                  }
                }));
      }
      Await.until(Duration.ofSeconds(30), () -> done.get() > 1_000, "the burst to start");
      REDIS.server().shutdownNoSave();
      for (Future<?> worker : workers) {
        worker.get(2, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(errors).isEmpty();
    assertThat(wrong).hasValue(0);
    assertThat(done).hasValue(8_000);
  }

  @Test
  void pausedRedis_callsEndWithinTheTimeout_theBreakerOpens_andNoCommandReachesRedisWhileOpen() {
    RedisCacheClient client = connectedClient(REDIS.uri());
    CountingObserver observer = new CountingObserver();
    MultiLevelCache<String, String> cache =
        cache(
            "paused",
            client,
            CircuitBreakerConfig.builder()
                .failureThreshold(3)
                .openDuration(Duration.ofMinutes(5))
                .maxOpenDuration(Duration.ofMinutes(5))
                .build());
    cache.advanced().addObserver(observer);
    cache.put("warm", "up");

    REDIS.server().pause();
    long slowest = 0;
    for (int i = 0; i < 10; i++) {
      long start = System.nanoTime();
      assertThat(cache.get("p" + i)).isEqualTo("loaded-p" + i);
      slowest = Math.max(slowest, System.nanoTime() - start);
    }
    // Each call waits at most one command timeout per Redis call it makes (a read, then a write).
    assertThat(Duration.ofNanos(slowest)).isLessThan(COMMAND_TIMEOUT.multipliedBy(2).plusMillis(300));
    assertThat(cache.advanced().health().get("redis").state()).isEqualTo(TierHealth.State.DOWN);
    assertThat(observer.health).contains(TierHealth.State.DOWN);

    REDIS.server().resume();
    long before = awaitStableScriptCalls();
    for (int i = 0; i < 100; i++) {
      cache.get("q" + i);
      cache.put("r" + i, "v");
    }
    assertThat(REDIS.server().commandCalls("evalsha", "eval", "exec", "unlink")).isEqualTo(before);
    assertThat(observer.writesDropped.get()).isGreaterThanOrEqualTo(200);
  }

  /** Waits for commands sent before the pause and answered after it to drain. */
  private long awaitStableScriptCalls() {
    long[] last = {-1};
    Await.until(
        Duration.ofSeconds(10),
        () -> {
          long now = REDIS.server().commandCalls("evalsha", "eval", "exec", "unlink");
          boolean stable = now == last[0];
          last[0] = now;
          if (!stable) {
            sleep(Duration.ofMillis(300));
          }
          return stable;
        },
        "the commands queued during the pause to drain");
    return last[0];
  }

  @Test
  void cuttingTheConnectionInsidePuts_1000Times_leavesNoKeyWithoutATtl() throws Exception {
    // Four lanes, each with its own proxy and client, cut 250 times each: reconnecting dominates
    // the time, and lanes reconnect in parallel.
    ExecutorService lanes = Executors.newFixedThreadPool(4);
    AtomicLong connections = new AtomicLong();
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int lane = 0; lane < 4; lane++) {
        int id = lane;
        FaultProxy proxy = FaultProxy.start("127.0.0.1", REDIS.server().port());
        toClose.add(proxy);
        RedisCacheClient client = connectedClient(proxy.uri());
        MultiLevelCache<String, String> cache =
            cache(
                "cut",
                client,
                // Keep sending: this test is about what a cut command leaves behind.
                CircuitBreakerConfig.builder().failureThreshold(Integer.MAX_VALUE).build());
        done.add(
            lanes.submit(
                () -> {
                  String value = "v".repeat(100);
                  for (int i = 0; i < 250; i++) {
                    Await.until(Duration.ofSeconds(10), client::isConnected, "reconnection " + i);
                    // A put is a transaction of about 400 bytes (MULTI, DEL of the lease, HSET
                    // of five fields, PEXPIRE, EXEC): most cuts land inside it, some after it.
                    proxy.cutAfterBytes(1 + ThreadLocalRandom.current().nextInt(450));
                    cache.put("k" + id + ":" + i, value);
                    proxy.heal();
                  }
                  connections.addAndGet(proxy.connectionsAccepted());
                }));
      }
      for (Future<?> lane : done) {
        lane.get(5, TimeUnit.MINUTES);
      }
    } finally {
      lanes.shutdownNow();
    }
    assertThat(connections.get()).as("connections cut and reopened").isGreaterThan(500);
    List<String> keys = new ArrayList<>();
    Object reply = REDIS.server().command("KEYS", "strata:cut:*");
    for (Object key : (List<?>) reply) {
      keys.add(String.valueOf(key));
    }
    assertThat(keys).isNotEmpty();
    for (String key : keys) {
      Object ttl = REDIS.server().command("PTTL", key);
      assertThat((Long) ttl).as("PTTL of " + key).isPositive();
    }
  }

  @Test
  void aLongOutageUnderLoad_keepsTheHeapBounded() throws Exception {
    MultiLevelCache<String, String> cache = cache("outage", connectedClient(REDIS.uri()));
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    AtomicBoolean stop = new AtomicBoolean();
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    AtomicInteger calls = new AtomicInteger();
    REDIS.server().pause();
    try {
      for (int t = 0; t < 4; t++) {
        pool.submit(
            () -> {
              while (!stop.get()) {
                int n = ThreadLocalRandom.current().nextInt(1_000_000);
                try {
                  cache.get("o" + n);
                  cache.put("w" + n, "v");
                } catch (Throwable e) {
                  errors.add(e);
                }
                calls.incrementAndGet();
              }
            });
      }
      sleep(Duration.ofSeconds(10));
      long baseline = usedAfterGc(memory);
      long peak = baseline;
      for (int i = 0; i < 10; i++) {
        sleep(Duration.ofSeconds(5));
        peak = Math.max(peak, usedAfterGc(memory));
      }
      assertThat(peak - baseline).as("heap growth in bytes").isLessThan(64L * 1024 * 1024);
    } finally {
      stop.set(true);
      pool.shutdown();
      pool.awaitTermination(30, TimeUnit.SECONDS);
      REDIS.server().resume();
    }
    assertThat(errors).isEmpty();
    assertThat(calls.get()).isGreaterThan(10_000);
  }

  private static long usedAfterGc(MemoryMXBean memory) {
    System.gc();
    return memory.getHeapMemoryUsage().getUsed();
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
