package io.strata.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.Loader;
import io.strata.cache.Lookup;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.TierHealth;
import io.strata.cache.codec.Codec;
import io.strata.cache.redis.harness.Await;
import io.strata.cache.redis.harness.CloseAfterEach;
import io.strata.cache.redis.harness.FaultProxy;
import io.strata.cache.redis.harness.RedisExtension;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The writer keeps its own copy: an instance's own write does not evict what it just stored,
 * while anyone else's write (another instance, another cache on the same client, a write that came
 * after its own) still does. A put is sent on the tracking connection, whose {@code NOLOOP} skips
 * its push: no push, no check. A load's store is a script, which Redis pushes anyway: its push is
 * checked against the id Redis holds. Real server, two clients for two instances; a proxy holds
 * one instance's pushes, or Redis pauses writes, where the order of events matters.
 */
class RedisOwnWritesIT {

  @RegisterExtension static final RedisExtension REDIS = RedisExtension.standalone();
  @RegisterExtension final CloseAfterEach toClose = new CloseAfterEach();

  private static final Duration SOON = Duration.ofSeconds(10);

  private final AtomicInteger loads = new AtomicInteger();

  @BeforeEach
  void emptyRedis() {
    REDIS.flushAll();
  }

  /** A client whose heartbeat never notices held pushes (a stall would flush, hiding the race). */
  private RedisCacheClient client(String uri) {
    return toClose.add(
        RedisTierKit.connected(
            RedisConnectionOptions.standalone(uri)
                .commandTimeout(Duration.ofSeconds(2))
                .invalidationHeartbeat(Duration.ofSeconds(30), Duration.ofSeconds(60))
                .build()));
  }

  private MultiLevelCache<String, String> cache(RedisCacheClient client, String name) {
    return cache(
        client,
        name,
        key -> {
          loads.incrementAndGet();
          return "loaded-" + key;
        });
  }

  private MultiLevelCache<String, String> cache(
      RedisCacheClient client, String name, Loader<String, String> loader) {
    MultiLevelCache<String, String> cache =
        toClose.add(
            MultiLevelCache.<String, String>builder(name)
                .ttl(Duration.ofMinutes(5))
                .tier(RedisTier.builder(client, KeyMapper.strings(), Codec.utf8()).build())
                .loader(loader)
                .build());
    RedisTierKit.awaitCoherent(cache);
    return cache;
  }

  private static CountingObserver observe(MultiLevelCache<String, String> cache) {
    CountingObserver observer = new CountingObserver();
    cache.advanced().addObserver(observer);
    return observer;
  }

  /**
   * Waits until Redis has pushed {@code writes} more changes of the namespace than before to a
   * tracker that hears everything (the other instance {@code witness}), so that the writer's own
   * push has surely been sent too.
   */
  private static void awaitPushed(CountingObserver witness, int before, int writes) {
    Await.until(
        SOON,
        () -> witness.invalidationsReceived.get() >= before + writes,
        "the other instance to hear the write");
  }

  /**
   * Returns once {@code writer} has decided on every push sent before now: {@code other} writes a
   * key, {@code writer} hears it (its pushes arrive in order), and then reads Redis on its data
   * connection, where the check of an earlier push of its own was sent first and answers first.
   */
  private static void settle(
      MultiLevelCache<String, String> writer,
      CountingObserver heardWriter,
      MultiLevelCache<String, String> other) {
    int before = heardWriter.invalidationsReceived.get();
    other.put("sync", "x");
    Await.until(
        SOON, () -> heardWriter.invalidationsReceived.get() > before, "the writer to hear a sync");
    writer.getIfPresent("never-written");
  }

  private long reads() {
    return REDIS.server().commandCalls("evalsha", "eval", "exec");
  }

  /** The checks of pushes for keys an instance wrote: one {@code HGET <key> id} each. */
  private long echoChecks() {
    return REDIS.server().commandCalls("hget");
  }

  @Test
  void afterAPut_theWritersNextReadIsALocalHit_andTheOtherInstanceIsInvalidated() {
    MultiLevelCache<String, String> a = cache(client(REDIS.uri()), "own");
    MultiLevelCache<String, String> b = cache(client(REDIS.uri()), "own");
    CountingObserver heardA = observe(a);
    CountingObserver heardB = observe(b);
    b.put("k", "old");
    awaitPushed(heardA, 0, 1);
    b.get("k");
    assertThat(b.lookup("k")).isEqualTo(new Lookup<>("old", "local", false));

    long checksBefore = echoChecks();
    a.put("k", "new");
    awaitPushed(heardB, 0, 1);
    settle(a, heardA, b);

    // B's old copy is gone; A kept its copy: a local hit, no read of Redis; A applied B's two
    // puts and nothing of its own, and no push of its own came to be checked.
    assertThat(b.lookup("k")).isEqualTo(new Lookup<>("new", "redis", false));
    long readsBefore = reads();
    assertThat(a.lookup("k")).isEqualTo(new Lookup<>("new", "local", false));
    assertThat(reads()).as("reads of Redis by A's local hit").isEqualTo(readsBefore);
    assertThat(heardA.invalidationsReceived).as("pushes A applied").hasValue(2);
    assertThat(echoChecks()).as("checks of an echo of A's put").isEqualTo(checksBefore);
  }

  /**
   * A putAll of 200 entries is two transactions of commands that each change every key twice
   * (HSET, PEXPIRE): Redis pushes each key once, so the other instance hears 200 changes, and the
   * writer, to which none is pushed, keeps all 200 copies.
   */
  @Test
  void afterAPutAll_theWriterKeepsEveryCopy_andEachKeyIsPushedOnce() {
    MultiLevelCache<String, String> a = cache(client(REDIS.uri()), "own-bulk");
    MultiLevelCache<String, String> b = cache(client(REDIS.uri()), "own-bulk");
    CountingObserver heardA = observe(a);
    CountingObserver heardB = observe(b);
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < 200; i++) {
      values.put("k" + i, "v" + i);
    }

    long checksBefore = echoChecks();
    a.putAll(values);
    awaitPushed(heardB, 0, 200);
    settle(a, heardA, b);

    long readsBefore = reads();
    values.forEach(
        (key, value) -> assertThat(a.lookup(key)).isEqualTo(new Lookup<>(value, "local", false)));
    assertThat(reads()).as("reads of Redis by A's local hits").isEqualTo(readsBefore);
    assertThat(heardA.invalidationsReceived).as("pushes A applied: B's sync only").hasValue(1);
    assertThat(heardB.invalidationsReceived).as("keys pushed to B").hasValue(200);
    assertThat(echoChecks()).as("checks of an echo of A's putAll").isEqualTo(checksBefore);
  }

  @Test
  void afterALoadWrittenToRedis_theLoadersNextReadIsALocalHit() {
    MultiLevelCache<String, String> a = cache(client(REDIS.uri()), "loaded");
    MultiLevelCache<String, String> b = cache(client(REDIS.uri()), "loaded");
    CountingObserver heardA = observe(a);
    CountingObserver heardB = observe(b);

    assertThat(a.lookup("k")).isEqualTo(new Lookup<>("loaded-k", null, false));
    awaitPushed(heardB, 0, 1); // the lease-checked fill was written, and pushed
    settle(a, heardA, b);

    assertThat(a.lookup("k")).isEqualTo(new Lookup<>("loaded-k", "local", false));
    assertThat(heardA.invalidationsReceived).as("pushes A applied: the sync only").hasValue(1);
    assertThat(loads).hasValue(1);
    assertThat(REDIS.server().command("HGET", "strata:loaded:k", "b")).isEqualTo("loaded-k");
  }

  @Test
  void aPutByAnotherCacheOnTheSameClient_stillEvictsItsCopy() {
    RedisCacheClient shared = client(REDIS.uri());
    MultiLevelCache<String, String> first = cache(shared, "siblings");
    MultiLevelCache<String, String> second = cache(shared, "siblings");
    CountingObserver heardSecond = observe(second);
    first.put("k", "old");
    Await.until(SOON, () -> heardSecond.invalidationsReceived.get() >= 1, "the first put heard");
    second.get("k");
    assertThat(second.lookup("k").tier()).isEqualTo("local");

    first.put("k", "new");

    // Redis pushes nothing to the client that wrote: the writer tells its sibling itself.
    Await.until(SOON, () -> heardSecond.invalidationsReceived.get() >= 2, "the second put heard");
    assertThat(second.lookup("k")).isEqualTo(new Lookup<>("new", "redis", false));
    assertThat(first.lookup("k")).isEqualTo(new Lookup<>("new", "local", false));
  }

  @Test
  void aWriteByAnotherInstanceAfterTheWritersOwn_evictsTheWritersCopy() {
    // A's tracking connection (its pushes, and the replies to its puts) goes through a proxy,
    // held once A's put is done: B's later push reaches A only once released.
    FaultProxy proxy =
        toClose.add(
            FaultProxy.start("127.0.0.1", REDIS.server().port())
                .exemptConnectionsSaying("strata-cache"));
    MultiLevelCache<String, String> a = cache(client(proxy.uri()), "overwritten");
    MultiLevelCache<String, String> b = cache(client(REDIS.uri()), "overwritten");
    CountingObserver heardA = observe(a);
    CountingObserver heardB = observe(b);

    a.put("k", "from-a");
    awaitPushed(heardB, 0, 1);
    proxy.holdReplies();
    b.put("k", "from-b");
    assertThat(REDIS.server().command("HGET", "strata:overwritten:k", "b")).isEqualTo("from-b");
    assertThat(a.lookup("k")).as("A before it hears anything").isEqualTo(
        new Lookup<>("from-a", "local", false));

    proxy.releaseReplies();

    Await.until(SOON, () -> heardA.invalidationsReceived.get() >= 1, "A to hear B's put");
    assertThat(a.lookup("k").value()).isEqualTo("from-b");
    assertThat(REDIS.server().command("HGET", "strata:overwritten:k", "b")).isEqualTo("from-b");
  }

  /**
   * Two puts of one key by one instance at once: the first takes its turn in the cache, then stalls
   * (its codec waits) while the second is written to Redis and stored locally; then the first
   * reaches Redis last. Redis tells the writer of neither write, so the cache itself must drop its
   * copy of the second (the first's local store is refused, and a refused store removes the key):
   * its next read comes from Redis and answers the first's value, which Redis holds.
   */
  @Test
  void twoPutsOfOneKeyAtOnce_reachingRedisInTheOtherOrder_leaveNoStaleLocalCopy() throws Exception {
    CountDownLatch encoding = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    Codec<String> stallsOnV1 =
        new Codec<>() {
          @Override
          public byte[] encode(String value) {
            if (value.equals("v1")) {
              encoding.countDown();
              try {
                finish.await(10, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
            return Codec.utf8().encode(value);
          }

          @Override
          public String decode(byte[] bytes) {
            return Codec.utf8().decode(bytes);
          }

          @Override
          public String id() {
            return Codec.utf8().id();
          }
        };
    MultiLevelCache<String, String> a =
        toClose.add(
            MultiLevelCache.<String, String>builder("overlap")
                .ttl(Duration.ofMinutes(5))
                .tier(RedisTier.builder(client(REDIS.uri()), KeyMapper.strings(), stallsOnV1).build())
                .loader(key -> "loaded-" + key)
                .build());
    RedisTierKit.awaitCoherent(a);
    long execsBefore = REDIS.server().commandCalls("exec");

    CompletableFuture<Void> first = CompletableFuture.runAsync(() -> a.put("k", "v1"));
    assertThat(encoding.await(10, TimeUnit.SECONDS)).as("the first put to stall").isTrue();
    a.put("k", "v2");
    assertThat(REDIS.server().command("HGET", "strata:overlap:k", "b")).isEqualTo("v2");
    finish.countDown();
    first.get(10, TimeUnit.SECONDS);

    assertThat(REDIS.server().commandCalls("exec") - execsBefore).as("writes Redis ran").isEqualTo(2);
    assertThat(REDIS.server().command("HGET", "strata:overlap:k", "b")).isEqualTo("v1");
    assertThat(a.lookup("k")).isEqualTo(new Lookup<>("v1", "redis", false));
  }

  /**
   * A put on a tracking connection that closes under it (here cut by a proxy at the put's first
   * byte, before the client knows) is not lost: it goes again on the shared connection, and the
   * breaker does not count it as a failure of Redis.
   */
  @Test
  void aPutWhoseTrackingConnectionIsCutUnderIt_goesAgainOnTheSharedConnection() {
    FaultProxy proxy =
        toClose.add(
            FaultProxy.start("127.0.0.1", REDIS.server().port())
                .exemptConnectionsSaying("strata-cache"));
    MultiLevelCache<String, String> a = cache(client(proxy.uri()), "cut-writer");
    CountingObserver observed = observe(a);
    long acceptedBefore = proxy.connectionsAccepted();
    long execsBefore = REDIS.server().commandCalls("exec");

    proxy.cutAfterBytes(1); // no heartbeat for 30 s: the put's first byte is the one cut
    a.put("k", "v");
    proxy.heal();

    assertThat(REDIS.server().command("HGET", "strata:cut-writer:k", "b")).isEqualTo("v");
    assertThat(REDIS.server().commandCalls("exec") - execsBefore)
        .as("transactions Redis ran: the one on the shared connection")
        .isEqualTo(1);
    assertThat(observed.tierErrors).as("errors of the Redis tier").hasValue(0);
    assertThat(observed.writesDropped).hasValue(0);
    // DEGRADED while tracking is re-armed; an open breaker would say DOWN.
    assertThat(a.advanced().health().get("redis").state()).isNotEqualTo(TierHealth.State.DOWN);
    RedisTierKit.awaitCoherent(a);
    assertThat(a.advanced().health().get("redis").state()).isEqualTo(TierHealth.State.UP);
    assertThat(proxy.connectionsAccepted()).as("tracking reconnected").isGreaterThan(acceptedBefore);
  }

  /**
   * A load's store is a script, which Redis pushes even to the client that ran it, so its push is
   * checked. Here it is merged with a later write by B into one push: A's record of its store takes
   * that push for its own echo, and only the id Redis holds tells it was B's.
   */
  @Test
  void onePushForTheWritersOwnStoreAndALaterWrite_isDelivered_forRedisHoldsTheLaterValue()
      throws Exception {
    CountDownLatch loading = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    MultiLevelCache<String, String> a =
        cache(
            client(REDIS.uri()),
            "merged",
            key -> {
              if (key.equals("k")) {
                loading.countDown();
                finish.await();
              }
              return "from-a";
            });
    MultiLevelCache<String, String> b = cache(client(REDIS.uri()), "merged");
    CountingObserver heardA = observe(a);
    a.get("warm-up"); // the server knows the store script: no NOSCRIPT retry reorders them
    b.put("warm-up", "x");
    Await.until(SOON, () -> heardA.invalidationsReceived.get() >= 1, "A to hear B's warm-up");
    // B's warm-up may land before A checks the echo of its own: A then delivers both.
    settle(a, heardA, b);
    int heardBefore = heardA.invalidationsReceived.get();
    // A's load has taken its lease; then writes wait while the server is paused, and run in the
    // order they came, A's store first, in one turn of its event loop: Redis then pushes the key
    // once, as the change of the last writer.
    CompletableFuture<String> aGet = CompletableFuture.supplyAsync(() -> a.get("k"));
    assertThat(loading.await(10, TimeUnit.SECONDS)).as("A's load to start").isTrue();
    long storesBefore = REDIS.server().commandCalls("evalsha");
    REDIS.server().command("CLIENT", "PAUSE", "10000", "WRITE");
    CompletableFuture<Void> bPut;
    try {
      finish.countDown();
      Await.until(SOON, () -> blockedClients() == 1, "A's store to wait");
      bPut = CompletableFuture.runAsync(() -> b.put("k", "from-b"));
      Await.until(SOON, () -> blockedClients() == 2, "B's write to wait");
    } finally {
      REDIS.server().command("CLIENT", "UNPAUSE");
    }
    assertThat(aGet.get(10, TimeUnit.SECONDS)).isEqualTo("from-a");
    bPut.get(10, TimeUnit.SECONDS);

    Await.until(
        SOON, () -> heardA.invalidationsReceived.get() > heardBefore, "A to hear the push");
    assertThat(REDIS.server().commandCalls("evalsha")).as("A's store ran").isGreaterThan(storesBefore);
    assertThat(REDIS.server().command("HGET", "strata:merged:k", "b")).isEqualTo("from-b");
    assertThat(a.getIfPresent("k")).isEqualTo("from-b");
  }

  private static long blockedClients() {
    for (String line : REDIS.server().info("clients").split("\r?\n")) {
      if (line.startsWith("blocked_clients:")) {
        return Long.parseLong(line.substring("blocked_clients:".length()).trim());
      }
    }
    throw new AssertionError("INFO clients has no blocked_clients");
  }
}
