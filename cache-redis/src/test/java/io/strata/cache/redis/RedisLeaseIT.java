package io.strata.cache.redis;

import static io.strata.cache.redis.RecordingTierContext.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.cache.CacheEntry;
import io.strata.cache.CacheTier;
import io.strata.cache.Loaded;
import io.strata.cache.Loader;
import io.strata.cache.Lookup;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.TierLease;
import io.strata.cache.codec.Codec;
import io.strata.cache.redis.harness.Await;
import io.strata.cache.redis.harness.CloseAfterEach;
import io.strata.cache.redis.harness.FaultProxy;
import io.strata.cache.redis.harness.RedisExtension;
import io.strata.cache.redis.internal.TrackingListener;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Load leases at the Redis tier, called directly as the cache would call them, with two instances
 * (two clients) on one real server: a load's store is refused once its key changed, on any
 * instance, after the load took its lease.
 */
class RedisLeaseIT {

  @RegisterExtension static final RedisExtension REDIS = RedisExtension.standalone();

  private static final String CACHE = "leased";
  private static final String LEASE_OF_K = "strata::lease:{strata:leased:k}";
  private static final String ENTRY_OF_K = "strata:leased:k";

  @RegisterExtension final CloseAfterEach toClose = new CloseAfterEach();

  private RecordingTierContext contextA;
  private RecordingTierContext contextB;

  @BeforeEach
  void emptyRedis() {
    REDIS.flushAll();
    contextA = new RecordingTierContext(CACHE);
    contextB = new RecordingTierContext(CACHE);
  }

  private CacheTier<String, String> instance(
      RecordingTierContext context,
      UnaryOperator<RedisTier.Builder<String, String>> options) {
    return instance(context, REDIS.uri(), options);
  }

  private CacheTier<String, String> instance(
      RecordingTierContext context,
      String uri,
      UnaryOperator<RedisTier.Builder<String, String>> options) {
    RedisCacheClient client =
        toClose.add(
            RedisTierKit.connected(
                RedisConnectionOptions.standalone(uri)
                    .commandTimeout(Duration.ofSeconds(2))
                    .build()));
    return toClose.add(
        context.create(
            options.apply(RedisTier.builder(client, KeyMapper.strings(), Codec.utf8())).build()));
  }

  private CacheTier<String, String> instance(RecordingTierContext context) {
    return instance(context, UnaryOperator.identity());
  }

  private static TierLease<String> leaseOne(CacheTier<String, String> tier, String key) {
    Map<String, TierLease<String>> leases = tier.lease(List.of(key), false);
    assertThat(leases).containsOnlyKeys(key);
    return leases.get(key);
  }

  private static boolean exists(String key) {
    return (Long) REDIS.server().command("EXISTS", key) == 1L;
  }

  @Test
  void aHeldLease_letsPutLeasedStore_andTheStoreEndsTheLease() {
    CacheTier<String, String> a = instance(contextA);

    TierLease<String> lease = leaseOne(a, "k");
    assertThat(lease.isHeld()).isTrue();
    assertThat(lease.token()).hasSize(32);
    assertThat(REDIS.server().command("GET", LEASE_OF_K)).isEqualTo(lease.token());
    assertThat((Long) REDIS.server().command("PTTL", LEASE_OF_K)).isBetween(1L, 30_000L);

    assertThat(a.putLeased(Map.of("k", entry("v")), Map.of("k", lease))).isEmpty();

    assertThat(a.get("k").value()).isEqualTo("v");
    assertThat(exists(LEASE_OF_K)).as("the lease, after the store").isFalse();
  }

  @Test
  void aLoadsLease_ofAKeyPutSinceTheLoadsRead_answersThePutsEntry_andTakesNoLease() {
    CacheTier<String, String> a = instance(contextA);
    CacheTier<String, String> b = instance(contextB);
    b.put("k", entry("put-meanwhile"));

    TierLease<String> answer = leaseOne(a, "k");

    assertThat(answer.entry()).isNotNull();
    assertThat(answer.entry().value()).isEqualTo("put-meanwhile");
    assertThat(exists(LEASE_OF_K)).isFalse();
  }

  @Test
  void aLoadsLease_ofAnExpiredEntryItRenews_isTaken() {
    CacheTier<String, String> a = instance(contextA);
    long now = io.strata.cache.Ticker.system().read();
    a.put(
        "k",
        CacheEntry.builder("expired", now - Duration.ofMinutes(2).toNanos(), now - 1)
            .staleIfErrorUntil(now + Duration.ofMinutes(1).toNanos())
            .build());

    TierLease<String> lease = leaseOne(a, "k");

    assertThat(lease.isHeld()).isTrue();
    assertThat(REDIS.server().command("GET", LEASE_OF_K)).isEqualTo(lease.token());
  }

  @Test
  void aRefreshsLease_isTaken_whateverRedisHolds() {
    CacheTier<String, String> a = instance(contextA);
    a.put("k", entry("fresh"));

    TierLease<String> lease = a.lease(List.of("k"), true).get("k");

    assertThat(lease.isHeld()).isTrue();
    assertThat(a.putLeased(Map.of("k", entry("renewed")), Map.of("k", lease))).isEmpty();
    assertThat(a.get("k").value()).isEqualTo("renewed");
  }

  @Test
  void invalidateOnAnotherInstance_betweenLeaseAndStore_refusesTheStore() {
    CacheTier<String, String> a = instance(contextA);
    CacheTier<String, String> b = instance(contextB);
    TierLease<String> lease = leaseOne(a, "k");

    b.invalidate("k"); // B changed the source, then the cache

    assertThat(a.putLeased(Map.of("k", entry("old")), Map.of("k", lease))).containsExactly("k");
    assertThat(exists(ENTRY_OF_K)).as("an entry in Redis").isFalse();
    assertThat(exists(LEASE_OF_K)).isFalse();
  }

  @Test
  void putOnAnotherInstance_betweenLeaseAndStore_refusesTheStore_andThePutStays() {
    CacheTier<String, String> a = instance(contextA);
    CacheTier<String, String> b = instance(contextB);
    TierLease<String> lease = leaseOne(a, "k");

    b.put("k", entry("new"));

    assertThat(a.putLeased(Map.of("k", entry("old")), Map.of("k", lease))).containsExactly("k");
    assertThat(a.get("k").value()).isEqualTo("new");
  }

  @Test
  void invalidateAll_betweenLeaseAndStore_refusesTheStore() {
    CacheTier<String, String> a = instance(contextA);
    CacheTier<String, String> b = instance(contextB);
    Map<String, TierLease<String>> leases = a.lease(List.of("k", "j"), false);
    assertThat(leases).containsOnlyKeys("k", "j");

    b.invalidateAll();

    assertThat(a.putLeased(Map.of("k", entry("old"), "j", entry("old")), leases))
        .containsExactlyInAnyOrder("k", "j");
    assertThat((Long) REDIS.server().command("DBSIZE")).isZero();
  }

  @Test
  void aLeaseThatExpired_refusesTheStore() {
    CacheTier<String, String> a = instance(contextA, o -> o.loadLease(Duration.ofSeconds(1)));
    TierLease<String> lease = leaseOne(a, "k");
    assertThat((Long) REDIS.server().command("PTTL", LEASE_OF_K)).isBetween(1L, 1_000L);
    Await.until(Duration.ofSeconds(10), () -> !exists(LEASE_OF_K), "the lease to expire");

    assertThat(a.putLeased(Map.of("k", entry("slow")), Map.of("k", lease))).containsExactly("k");
    assertThat(exists(ENTRY_OF_K)).isFalse();
  }

  @Test
  void aSharedLease_letsTheFirstStoreWin_andRefusesTheSecond() {
    CacheTier<String, String> a = instance(contextA);
    CacheTier<String, String> b = instance(contextB);
    TierLease<String> held = leaseOne(a, "k");
    TierLease<String> shared = leaseOne(b, "k");
    assertThat(shared.isHeld()).isFalse();
    assertThat(shared.token()).isEqualTo(held.token());

    assertThat(b.putLeased(Map.of("k", entry("b")), Map.of("k", shared))).isEmpty();
    assertThat(a.putLeased(Map.of("k", entry("a")), Map.of("k", held))).containsExactly("k");

    assertThat(a.get("k").value()).isEqualTo("b");
  }

  @Test
  void releaseOfAHeldLease_freesItAtOnce() {
    CacheTier<String, String> a = instance(contextA);
    CacheTier<String, String> b = instance(contextB);
    TierLease<String> lease = leaseOne(a, "k");

    a.release(Map.of("k", lease));

    assertThat(exists(LEASE_OF_K)).isFalse();
    TierLease<String> next = leaseOne(b, "k");
    assertThat(next.isHeld()).isTrue();
    assertThat(next.token()).isNotEqualTo(lease.token());
  }

  @Test
  void releaseOfASharedLease_leavesTheHoldersLease() {
    CacheTier<String, String> a = instance(contextA);
    CacheTier<String, String> b = instance(contextB);
    TierLease<String> held = leaseOne(a, "k");
    TierLease<String> shared = leaseOne(b, "k");

    b.release(Map.of("k", shared));

    assertThat(REDIS.server().command("GET", LEASE_OF_K)).isEqualTo(held.token());
  }

  @Test
  void releaseAfterTheLeaseExpiredAndWasTakenAgain_leavesTheNewHoldersLease() {
    CacheTier<String, String> a = instance(contextA, o -> o.loadLease(Duration.ofMillis(100)));
    CacheTier<String, String> b = instance(contextB);
    TierLease<String> expired = leaseOne(a, "k");
    Await.until(Duration.ofSeconds(10), () -> !exists(LEASE_OF_K), "the lease to expire");
    TierLease<String> current = leaseOne(b, "k");
    assertThat(current.isHeld()).isTrue();

    a.release(Map.of("k", expired));

    assertThat(REDIS.server().command("GET", LEASE_OF_K)).isEqualTo(current.token());
  }

  @Test
  void readsNeverTakeALease() {
    CacheTier<String, String> a = instance(contextA);

    assertThat(a.get("k")).isNull();
    assertThat(a.getAll(List.of("j", "l"))).isEmpty();

    assertThat((Long) REDIS.server().command("DBSIZE")).isZero();
  }

  @Test
  void takingALease_pushesNoInvalidation_toAnyInstance() {
    CacheTier<String, String> a = instance(contextA);
    CacheTier<String, String> b = instance(contextB);
    // Each hears the other's writes (a writer drops the push of its own): a push heard says every
    // earlier one on that connection arrived.
    a.put("warm-a", entry("w"));
    b.put("warm-b", entry("w"));
    Await.until(
        Duration.ofSeconds(10),
        () -> contextA.invalidated.contains("warm-b") && contextB.invalidated.contains("warm-a"),
        "both instances to hear the warm-up pushes");
    contextA.invalidated.clear();
    contextB.invalidated.clear();

    assertThat(leaseOne(a, "k").isHeld()).isTrue();
    assertThat(leaseOne(b, "k").isHeld()).isFalse();
    // A later write's push arrives after any the leases sent, on the same connections.
    a.put("marker-a", entry("m"));
    b.put("marker-b", entry("m"));
    Await.until(
        Duration.ofSeconds(10),
        () ->
            contextA.invalidated.contains("marker-b") && contextB.invalidated.contains("marker-a"),
        "both instances to hear the markers' pushes");

    assertThat(contextA.invalidated).containsExactly("marker-b");
    assertThat(contextB.invalidated).containsExactly("marker-a");
  }

  @Test
  void aTooLargeValueUnderALease_leavesTheEntry_andGivesTheLeaseBack() {
    CacheTier<String, String> a = instance(contextA, o -> o.maxValueBytes(8));
    a.put("k", entry("present"));
    TierLease<String> lease = a.lease(List.of("k"), true).get("k"); // a refresh of it

    assertThat(a.putLeased(Map.of("k", entry("far-too-large")), Map.of("k", lease))).isEmpty();

    assertThat(a.get("k").value()).isEqualTo("present");
    assertThat(exists(LEASE_OF_K)).isFalse();
    assertThat(contextA.observer.tooLarge).hasValue(1);
  }

  @Test
  void aTooLargeValueUnderALeaseAChangeRemoved_isRefused() {
    CacheTier<String, String> a = instance(contextA, o -> o.maxValueBytes(8));
    CacheTier<String, String> b = instance(contextB);
    TierLease<String> lease = leaseOne(a, "k");
    b.put("k", entry("new"));

    assertThat(a.putLeased(Map.of("k", entry("far-too-large")), Map.of("k", lease)))
        .containsExactly("k");
    assertThat(a.get("k").value()).isEqualTo("new");
  }

  @Test
  void putLeased_storesEntriesWithoutALease_asPutAllDoes() {
    CacheTier<String, String> a = instance(contextA);
    CacheTier<String, String> b = instance(contextB);
    TierLease<String> lease = leaseOne(a, "k");
    b.invalidate("k");

    assertThat(a.putLeased(Map.of("k", entry("old"), "free", entry("f")), Map.of("k", lease)))
        .containsExactly("k");

    assertThat(b.get("free").value()).isEqualTo("f");
    assertThat(b.get("k")).isNull();
  }

  @Test
  void builder_rejectsLeasesAndWaitsThatAreNotPositive() {
    RedisCacheClient client = toClose.add(RedisCacheClient.create(REDIS.uri()));
    RedisTier.Builder<String, String> builder =
        RedisTier.builder(client, KeyMapper.strings(), Codec.utf8());
    assertThatThrownBy(() -> builder.loadLease(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("loadLease must be at least 1 ms");
    assertThatThrownBy(() -> builder.loadLease(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> builder.stampedeGuard(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("stampedeGuard needs a maxWait of at least 1 ms");
  }

  // ---------------------------------------------------------------- the stampede guard

  /** Starts B's waiting lease call and returns once B is polling: its first read reached Redis. */
  private static CompletableFuture<TierLease<String>> waitingLease(CacheTier<String, String> b) {
    long before = REDIS.server().commandCalls("evalsha", "eval", "exec");
    CompletableFuture<TierLease<String>> waiting =
        CompletableFuture.supplyAsync(() -> b.lease(List.of("k"), false).get("k"));
    Await.until(
        Duration.ofSeconds(10),
        // The lease, a read and a lease again (a NOSCRIPT retry counts too).
        () -> REDIS.server().commandCalls("evalsha", "eval", "exec") - before >= 4,
        "B to take its lease and poll");
    return waiting;
  }

  @Test
  void guard_aWaiterFindsTheValue_whenTheHolderStores() throws Exception {
    CacheTier<String, String> a = instance(contextA);
    CacheTier<String, String> b = instance(contextB, o -> o.stampedeGuard(Duration.ofSeconds(20)));
    TierLease<String> held = leaseOne(a, "k");
    long start = System.nanoTime();
    CompletableFuture<TierLease<String>> waiting = waitingLease(b);
    assertThat(waiting).isNotDone();

    a.putLeased(Map.of("k", entry("from-a")), Map.of("k", held));

    TierLease<String> answer = waiting.get(10, TimeUnit.SECONDS);
    CacheEntry<String> found = answer.entry();
    assertThat(found).isNotNull();
    assertThat(found.value()).isEqualTo("from-a");
    assertThat(answer.isHeld()).isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void guard_aWaiterFindsTheValue_whenTheHolderStoresBetweenItsReadAndItsLease()
      throws Exception {
    // B's data connection through a proxy; its tracking connection (heartbeats) left alone.
    FaultProxy proxy =
        toClose.add(
            FaultProxy.start("127.0.0.1", REDIS.server().port())
                .exemptConnectionsSaying(TrackingListener.CLIENT_NAME));
    CacheTier<String, String> a = instance(contextA);
    CacheTier<String, String> b =
        instance(contextB, proxy.uri(), o -> o.stampedeGuard(Duration.ofSeconds(20)));
    TierLease<String> held = leaseOne(a, "k");
    proxy.holdReplies();
    long before = scriptsAndTransactions();
    CompletableFuture<TierLease<String>> waiting =
        CompletableFuture.supplyAsync(() -> b.lease(List.of("k"), false).get("k"));
    Await.until(
        Duration.ofSeconds(10), () -> scriptsAndTransactions() - before >= 1, "B's lease");
    Await.until(
        Duration.ofSeconds(10), () -> proxy.queuedReplyChunks() > 0, "the lease's reply held");
    proxy.forwardHeldReplies(); // B hears the key is leased and polls: a read, its reply held
    Await.until(
        Duration.ofSeconds(10), () -> scriptsAndTransactions() - before >= 2, "B's poll to read");
    assertThat(waiting).isNotDone();

    a.putLeased(Map.of("k", entry("from-a")), Map.of("k", held));
    proxy.releaseReplies(); // B reads a miss, then finds the lease free: A's store ended it

    TierLease<String> answer = waiting.get(10, TimeUnit.SECONDS);
    assertThat(answer.entry()).as("B's answer: the holder's value, not a lease to load again")
        .isNotNull();
    assertThat(answer.entry().value()).isEqualTo("from-a");
    assertThat(answer.isHeld()).isFalse();
    assertThat(exists(LEASE_OF_K)).as("the lease B took and gave back").isFalse();
    assertThat(a.get("k").value()).isEqualTo("from-a");
  }

  private static long scriptsAndTransactions() {
    return REDIS.server().commandCalls("evalsha", "eval", "exec");
  }

  @Test
  void guard_aWaiterTakesTheLease_whenTheHolderReleasesIt() throws Exception {
    CacheTier<String, String> a = instance(contextA);
    CacheTier<String, String> b = instance(contextB, o -> o.stampedeGuard(Duration.ofSeconds(20)));
    TierLease<String> held = leaseOne(a, "k");
    CompletableFuture<TierLease<String>> waiting = waitingLease(b);

    a.release(Map.of("k", held)); // A's load failed

    TierLease<String> answer = waiting.get(10, TimeUnit.SECONDS);
    assertThat(answer.isHeld()).isTrue();
    assertThat(answer.token()).isNotEqualTo(held.token());
    assertThat(REDIS.server().command("GET", LEASE_OF_K)).isEqualTo(answer.token());
  }

  @Test
  void guard_aWaiterGivesUpAfterMaxWait_withTheHoldersToken() {
    CacheTier<String, String> a = instance(contextA);
    CacheTier<String, String> b = instance(contextB, o -> o.stampedeGuard(Duration.ofMillis(300)));
    TierLease<String> held = leaseOne(a, "k");
    long before = REDIS.server().commandCalls("evalsha", "eval", "exec");
    long start = System.nanoTime();

    TierLease<String> answer = b.lease(List.of("k"), false).get("k");

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(answer.isHeld()).isFalse();
    assertThat(answer.entry()).isNull();
    assertThat(answer.token()).isEqualTo(held.token());
    // It polled: more than the one lease call a caller that does not wait makes.
    assertThat(REDIS.server().commandCalls("evalsha", "eval", "exec") - before).isGreaterThan(4);
  }

  @Test
  void guard_neverWaits_forCallersThatMayNot_norForSeveralKeys() {
    CacheTier<String, String> a = instance(contextA);
    CacheTier<String, String> b = instance(contextB, o -> o.stampedeGuard(Duration.ofSeconds(30)));
    TierLease<String> held = leaseOne(a, "k");
    a.lease(List.of("j"), false);
    long start = System.nanoTime();

    TierLease<String> refresh = b.lease(List.of("k"), true).get("k");
    Map<String, TierLease<String>> bulk = b.lease(List.of("k", "j"), false);

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    assertThat(refresh.isHeld()).isFalse();
    assertThat(refresh.token()).isEqualTo(held.token());
    assertThat(bulk.values()).noneMatch(TierLease::isHeld);
  }

  @Test
  void guard_aStaleEntryDoesNotEndTheWait() throws Exception {
    CacheTier<String, String> a = instance(contextA);
    CacheTier<String, String> b = instance(contextB, o -> o.stampedeGuard(Duration.ofSeconds(20)));
    long now = io.strata.cache.Ticker.system().read();
    // Past its freshness, still retained: what a refresh renews.
    a.put(
        "k",
        CacheEntry.builder("stale", now - Duration.ofMinutes(2).toNanos(), now - 1)
            .staleWhileRevalidateUntil(now + Duration.ofMinutes(1).toNanos())
            .build());
    TierLease<String> held = leaseOne(a, "k");
    CompletableFuture<TierLease<String>> waiting = waitingLease(b);
    long polls = REDIS.server().commandCalls("evalsha", "eval", "exec");
    Await.until(
        Duration.ofSeconds(10),
        () -> REDIS.server().commandCalls("evalsha", "eval", "exec") - polls >= 4,
        "B to poll again");
    assertThat(waiting).isNotDone();

    a.putLeased(Map.of("k", entry("renewed")), Map.of("k", held));

    assertThat(waiting.get(10, TimeUnit.SECONDS).entry().value()).isEqualTo("renewed");
  }

  // ---------------------------------------------------------------- through MultiLevelCache

  private static final Duration BOUND = Duration.ofSeconds(10);

  /** A client whose heartbeat cannot notice held replies: only a lease can save a racing load. */
  private RedisCacheClient client(String uri) {
    return toClose.add(
        RedisTierKit.connected(
            RedisConnectionOptions.standalone(uri)
                .commandTimeout(Duration.ofSeconds(2))
                .invalidationHeartbeat(Duration.ofSeconds(30), Duration.ofSeconds(60))
                .build()));
  }

  private MultiLevelCache<String, String> cache(
      RedisCacheClient client, String name, Loader<String, String> loader, Duration guard) {
    RedisTier.Builder<String, String> tier =
        RedisTier.builder(client, KeyMapper.strings(), Codec.utf8());
    if (!guard.isZero()) {
      tier.stampedeGuard(guard);
    }
    MultiLevelCache<String, String> cache =
        toClose.add(
            MultiLevelCache.<String, String>builder(name)
                .tier(tier.build())
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
   * A's load reads the source, then blocks until released; A's tracking connection goes through a
   * proxy holding its replies, so A hears nothing of what B does meanwhile.
   */
  private final class Race implements AutoCloseable {
    final AtomicReference<String> source = new AtomicReference<>("old");
    final CountDownLatch loading = new CountDownLatch(1);
    final CountDownLatch finish = new CountDownLatch(1);
    final FaultProxy proxy =
        toClose.add(
            FaultProxy.start("127.0.0.1", REDIS.server().port())
                .exemptConnectionsSaying("strata-cache"));
    final MultiLevelCache<String, String> a;
    final MultiLevelCache<String, String> b;
    final CountingObserver observedA;

    Race(String name) {
      a =
          cache(
              client(proxy.uri()),
              name,
              key -> {
                String read = source.get();
                loading.countDown();
                finish.await();
                return read;
              },
              Duration.ZERO);
      b = cache(client(REDIS.uri()), name, key -> source.get(), Duration.ZERO);
      observedA = observe(a);
    }

    /** Starts A's get of {@code key} and returns once its load has read the source. */
    CompletableFuture<String> aLoads(String key) throws InterruptedException {
      proxy.holdReplies();
      CompletableFuture<String> get = CompletableFuture.supplyAsync(() -> a.get(key));
      assertThat(loading.await(10, TimeUnit.SECONDS)).as("A's load to start").isTrue();
      return get;
    }

    @Override
    public void close() {
      finish.countDown();
      proxy.releaseReplies();
    }
  }

  @Test
  void aLoadRacingAnInvalidationOnAnotherInstance_writesNeitherRedisNorItsLocalTier()
      throws Exception {
    try (Race race = new Race("raced")) {
      CompletableFuture<String> aGet = race.aLoads("k");

      race.source.set("new");
      race.b.invalidate("k");
      race.finish.countDown();

      assertThat(aGet.get(10, TimeUnit.SECONDS)).isEqualTo("old"); // the racing call itself
      assertThat(exists("strata:raced:k")).as("A's old value in Redis").isFalse();
      assertThat(exists("strata::lease:{strata:raced:k}")).isFalse();
      // Still deaf to B (replies held): only the refused fill keeps the old value out.
      assertThat(race.a.lookup("k")).isNotEqualTo(new Lookup<>("old", "local", false));
      assertThat(race.a.getIfPresent("k")).isNotEqualTo("old");
      assertThat(race.observedA.fillsRefused).hasValue(1);
    }
  }

  @Test
  void aLoadRacingAPutOnAnotherInstance_leavesThePutsValueInRedis() throws Exception {
    try (Race race = new Race("overtaken")) {
      CompletableFuture<String> aGet = race.aLoads("k");

      race.source.set("new");
      race.b.put("k", "new");
      race.finish.countDown();

      assertThat(aGet.get(10, TimeUnit.SECONDS)).isEqualTo("old");
      assertThat(REDIS.server().command("HGET", "strata:overtaken:k", "b")).isEqualTo("new");
      assertThat(race.a.getIfPresent("k")).isEqualTo("new");
      assertThat(race.observedA.fillsRefused).hasValue(1);
    }
  }

  @Test
  void leasesOfLoadsThatStoreNothing_areReleasedAtOnce_soNoOneWaitsThemOut() {
    Loader<String, String> loader =
        new Loader<>() {
          @Override
          public String load(String key) {
            throw new AssertionError("loadEntry is called");
          }

          @Override
          public Loaded<String> loadEntry(String key) {
            return switch (key) {
              case "failing" -> throw new IllegalStateException("the source failed");
              case "absent" -> Loaded.notFound();
              default -> Loaded.builder("unstored").storage(Loaded.Storage.NOWHERE).build();
            };
          }
        };
    MultiLevelCache<String, String> a = cache(client(REDIS.uri()), "nothing", loader, Duration.ZERO);
    MultiLevelCache<String, String> b =
        cache(client(REDIS.uri()), "nothing", key -> "from-b", Duration.ofSeconds(30));

    assertThatThrownBy(() -> a.get("failing")).isInstanceOf(IllegalStateException.class);
    assertThat(exists("strata::lease:{strata:nothing:failing}")).as("after a failed load").isFalse();
    assertThat(a.get("absent")).isNull();
    assertThat(exists("strata::lease:{strata:nothing:absent}")).as("after not found").isFalse();
    assertThat(a.get("unstored")).isEqualTo("unstored");
    assertThat(exists("strata::lease:{strata:nothing:unstored}")).as("after no-store").isFalse();

    long start = System.nanoTime();
    for (String key : List.of("failing", "absent", "unstored")) {
      assertThat(b.get(key)).isEqualTo("from-b");
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(BOUND);
  }

  @Test
  void aPeek_neverTakesALease_norWaitsForOne() {
    MultiLevelCache<String, String> a =
        cache(client(REDIS.uri()), "peeked", key -> "loaded", Duration.ofSeconds(30));
    String lease = "strata::lease:{strata:peeked:k}";
    REDIS.server().command("SET", lease, "by-hand", "PX", "60000");
    long start = System.nanoTime();

    assertThat(a.getIfPresent("k")).isNull();
    assertThat(a.getIfPresent("j")).isNull();

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(BOUND);
    assertThat(REDIS.server().command("GET", lease)).isEqualTo("by-hand");
    assertThat((Long) REDIS.server().command("PTTL", lease)).isGreaterThan(BOUND.toMillis());
    assertThat(exists("strata::lease:{strata:peeked:j}")).isFalse();
  }
}
