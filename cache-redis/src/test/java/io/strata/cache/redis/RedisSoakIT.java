package io.strata.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.MultiLevelCache;
import io.strata.cache.codec.Codec;
import io.strata.cache.redis.harness.RedisExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A bounded staleness soak: three instances write, read and invalidate the same keys while their
 * connections are killed every few seconds and the server restarts once. After the load stops and
 * the instances hear invalidations again, no instance may serve a value Redis does not hold.
 */
class RedisSoakIT {

  @RegisterExtension static final RedisExtension REDIS = RedisExtension.standalone();

  private static final Duration LOAD = Duration.ofSeconds(50);
  private static final int KEYS = 200;
  private static final int INSTANCES = 3;

  @Test
  void afterChaos_everyInstanceServesWhatRedisHolds() throws Exception {
    List<RedisCacheClient> clients = new ArrayList<>();
    List<MultiLevelCache<String, String>> caches = new ArrayList<>();
    List<CountingObserver> observers = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(INSTANCES * 4 + 1);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong ops = new AtomicLong();
    AtomicInteger kills = new AtomicInteger();
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    try {
      for (int i = 0; i < INSTANCES; i++) {
        RedisCacheClient client =
            RedisTierKit.connected(
                RedisConnectionOptions.standalone(REDIS.uri())
                    .commandTimeout(Duration.ofMillis(500))
                    .invalidationHeartbeat(Duration.ofMillis(250), Duration.ofMillis(500))
                    .build());
        clients.add(client);
        MultiLevelCache<String, String> cache =
            MultiLevelCache.<String, String>builder("soak")
                .ttl(Duration.ofMinutes(10)) // long: staleness would last, not expire away
                .tier(
                    RedisTier.builder(client, KeyMapper.strings(), Codec.utf8())
                        .circuitBreaker(
                            CircuitBreakerConfig.builder()
                                .openDuration(Duration.ofMillis(100))
                                .maxOpenDuration(Duration.ofSeconds(1))
                                .build())
                        .build())
                .loader(key -> "loaded-" + key)
                .build();
        caches.add(cache);
        CountingObserver observer = new CountingObserver();
        cache.advanced().addObserver(observer);
        observers.add(observer);
        RedisTierKit.awaitCoherent(cache);
      }

      long deadline = System.nanoTime() + LOAD.toNanos();
      List<Future<?>> workers = new ArrayList<>();
      for (int i = 0; i < INSTANCES; i++) {
        MultiLevelCache<String, String> cache = caches.get(i);
        String me = "i" + i;
        AtomicLong sequence = new AtomicLong();
        Runnable writer =
            () -> cache.put(key(), me + "-" + sequence.incrementAndGet());
        Runnable reader = () -> cache.get(key());
        Runnable invalidator = () -> cache.invalidate(key());
        for (Runnable work : List.of(writer, reader, reader, invalidator)) {
          workers.add(
              pool.submit(
                  () -> {
                    while (!stop.get() && System.nanoTime() - deadline < 0) {
                      try {
                        work.run();
                        ops.incrementAndGet();
                      } catch (Throwable e) {
                        errors.add(e);
                      }
                    }
                  }));
        }
      }
      workers.add(
          pool.submit(
              () -> {
                boolean restarted = false;
                long start = System.nanoTime();
                while (!stop.get() && System.nanoTime() - deadline < 0) {
                  sleep(Duration.ofMillis(ThreadLocalRandom.current().nextInt(1_000, 3_000)));
                  if (!restarted && System.nanoTime() - start > LOAD.toNanos() / 2) {
                    REDIS.server().shutdownNoSave();
                    sleep(Duration.ofMillis(500));
                    REDIS.server().restart();
                    restarted = true;
                  } else {
                    kills.addAndGet(killOneStrataConnection());
                  }
                }
                return null;
              }));
      for (Future<?> worker : workers) {
        worker.get(LOAD.toSeconds() + 60, TimeUnit.SECONDS);
      }
    } finally {
      stop.set(true);
      pool.shutdown();
      pool.awaitTermination(30, TimeUnit.SECONDS);
    }
    assertThat(errors).as("exceptions seen by callers").isEmpty();

    // Drain: every instance hears invalidations again, and pushes in flight arrive.
    for (MultiLevelCache<String, String> cache : caches) {
      RedisTierKit.awaitCoherent(cache);
    }
    sleep(Duration.ofSeconds(1));

    Map<String, String> inRedis = new HashMap<>();
    for (int k = 0; k < KEYS; k++) {
      Object value = REDIS.server().command("HGET", "strata:soak:k" + k, "b");
      inRedis.put("k" + k, value == null ? null : String.valueOf(value));
    }
    int mismatches = 0;
    int checked = 0;
    for (int i = 0; i < caches.size(); i++) {
      MultiLevelCache<String, String> cache = caches.get(i);
      for (int k = 0; k < KEYS; k++) {
        String served = cache.getIfPresent("k" + k); // local, else Redis; never the loader
        checked++;
        if (!java.util.Objects.equals(served, inRedis.get("k" + k))) {
          mismatches++;
          System.out.printf(
              "soak mismatch: instance i%d key k%d served %s, Redis holds %s%n",
              i, k, served, inRedis.get("k" + k));
        }
      }
    }
    int flushes = observers.stream().mapToInt(o -> o.flushes.size()).sum();
    System.out.printf(
        "soak: %d instances, %.0f s, %d ops, %d connections killed, 1 restart, %d local flushes,"
            + " %d keys checked, %d mismatches%n",
        INSTANCES, (double) LOAD.toSeconds(), ops.get(), kills.get(), flushes, checked, mismatches);
    assertThat(kills.get()).isPositive();
    assertThat(ops.get()).isGreaterThan(10_000);
    assertThat(mismatches).as("values served that Redis does not hold").isZero();
    for (MultiLevelCache<String, String> cache : caches) {
      cache.close();
    }
    clients.forEach(RedisCacheClient::close);
  }

  private static String key() {
    return "k" + ThreadLocalRandom.current().nextInt(KEYS);
  }

  /** Kills one connection named strata-* (data or invalidations) at random; returns 1 if it did. */
  private static int killOneStrataConnection() {
    try {
      List<String> ids = REDIS.server().clientIdsNamed("strata-");
      if (ids.isEmpty()) {
        return 0;
      }
      String id = ids.get(ThreadLocalRandom.current().nextInt(ids.size()));
      return (int) REDIS.server().clientKill("ID", id);
    } catch (RuntimeException e) {
      return 0; // the server is restarting
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
