package io.strata.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.MultiLevelCache;
import io.strata.cache.codec.Codec;
import io.strata.cache.redis.harness.CloseAfterEach;
import io.strata.cache.redis.harness.RedisExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The distributed stampede guard across instances, on a real server. */
class RedisStampedeIT {

  @RegisterExtension static final RedisExtension REDIS = RedisExtension.standalone();

  private static final String ORPHANED_LEASE = "strata::lease:{strata:guarded:orphan}";

  private final AtomicInteger loads = new AtomicInteger();
  /** The orphaned lease's holder as the loader saw it, while it loaded. */
  private final AtomicReference<Object> holderDuringLoad = new AtomicReference<>();
  @RegisterExtension final CloseAfterEach toClose = new CloseAfterEach();

  @BeforeEach
  void emptyRedis() {
    REDIS.flushAll();
  }


  private MultiLevelCache<String, String> instance(Duration loadTime) {
    RedisCacheClient client =
        RedisTierKit.connected(
            RedisConnectionOptions.standalone(REDIS.uri())
                .commandTimeout(Duration.ofSeconds(1))
                .build());
    toClose.add(client);
    MultiLevelCache<String, String> cache =
        MultiLevelCache.<String, String>builder("guarded")
            .tier(
                RedisTier.builder(client, KeyMapper.strings(), Codec.utf8())
                    .loadLease(Duration.ofSeconds(3))
                    .stampedeGuard(Duration.ofSeconds(5))
                    .build())
            .loader(
                key -> {
                  loads.incrementAndGet();
                  if (key.equals("orphan")) {
                    holderDuringLoad.set(REDIS.server().command("GET", ORPHANED_LEASE));
                  }
                  Thread.sleep(loadTime.toMillis()); // a slow upstream
                  return "loaded-" + key;
                })
            .build();
    toClose.add(cache);
    RedisTierKit.awaitCoherent(cache);
    return cache;
  }

  @Test
  void fourInstancesTimesAHundredColdGets_loadOnce() throws Exception {
    List<MultiLevelCache<String, String>> instances = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      instances.add(instance(Duration.ofMillis(300)));
    }
    ExecutorService pool = Executors.newFixedThreadPool(400);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<String>> gets = new ArrayList<>();
      for (MultiLevelCache<String, String> cache : instances) {
        for (int i = 0; i < 100; i++) {
          gets.add(
              pool.submit(
                  () -> {
                    start.await();
                    return cache.get("cold");
                  }));
        }
      }
      start.countDown();
      for (Future<String> get : gets) {
        assertThat(get.get(30, TimeUnit.SECONDS)).isEqualTo("loaded-cold");
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(loads).as("loader calls across 4 instances").hasValue(1);
  }

  @Test
  void whenTheLeaseHolderDies_theOthersLoadAfterItExpires() {
    MultiLevelCache<String, String> cache = instance(Duration.ZERO);
    // A holder that took the lease and died: the lease is in Redis, nobody will write the value.
    REDIS.server().command("SET", ORPHANED_LEASE, "dead-holder", "PX", "1000");

    long start = System.nanoTime();
    assertThat(cache.get("orphan")).isEqualTo("loaded-orphan");
    Duration waited = Duration.ofNanos(System.nanoTime() - start);

    assertThat(loads).hasValue(1);
    // It loaded only once the orphaned lease had expired and it held the lease itself...
    assertThat(holderDuringLoad.get()).isNotNull().isNotEqualTo("dead-holder");
    // ...and stored under it: the store ended the lease.
    assertThat((Long) REDIS.server().command("EXISTS", ORPHANED_LEASE)).isZero();
    assertThat((Long) REDIS.server().command("EXISTS", "strata:guarded:orphan")).isEqualTo(1L);
    // Not its own 5 s bound: at most the orphan's 1 s, with a generous margin.
    assertThat(waited).isLessThan(Duration.ofSeconds(4));
  }

  @Test
  void withRedisDown_onlyLocalCoalescingApplies() throws Exception {
    MultiLevelCache<String, String> cache = instance(Duration.ofMillis(200));
    REDIS.server().shutdownNoSave();
    try {
      ExecutorService pool = Executors.newFixedThreadPool(50);
      try {
        List<Future<String>> gets = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
          gets.add(pool.submit(() -> cache.get("down")));
        }
        for (Future<String> get : gets) {
          assertThat(get.get(30, TimeUnit.SECONDS)).isEqualTo("loaded-down");
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(loads).hasValue(1);
    } finally {
      REDIS.server().restart();
    }
  }
}
