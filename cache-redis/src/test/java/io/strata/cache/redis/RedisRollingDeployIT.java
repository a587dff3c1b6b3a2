package io.strata.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.codec.Codec;
import io.strata.cache.codec.Jackson3Codecs;
import io.strata.cache.redis.harness.Await;
import io.strata.cache.redis.harness.CloseAfterEach;
import io.strata.cache.redis.harness.RedisExtension;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Two versions of a service share one real Redis during a rolling deploy, each with its own client
 * (its own tracking connection): neither deletes the other's entries. An entry of another codec or
 * a newer format version is a miss left in place; only an entry corrupt by every reading (under our
 * codec id and format version) is deleted and counted.
 */
class RedisRollingDeployIT {

  @RegisterExtension static final RedisExtension REDIS = RedisExtension.standalone();

  /** The value class of the running version, and the one the new version brings. */
  record UserV1(long id, String name) {}

  record UserV2(long id, String name, String email) {}

  private static RedisClient adminClient;
  private static StatefulRedisConnection<String, String> adminConnection;
  private static RedisCommands<String, String> admin;

  @RegisterExtension final CloseAfterEach toClose = new CloseAfterEach();

  private final AtomicInteger loads = new AtomicInteger();

  @BeforeAll
  static void connect() {
    adminClient = RedisClient.create(REDIS.uri());
    adminConnection = adminClient.connect();
    admin = adminConnection.sync();
  }

  @AfterAll
  static void disconnect() {
    adminConnection.close();
    adminClient.shutdown();
  }

  @BeforeEach
  void emptyRedis() {
    REDIS.flushAll();
  }

  /** One instance of one version of the service: its own client, its own local tier. */
  private <V> MultiLevelCache<String, V> instance(
      Codec<V> codec, CountingObserver observer, java.util.function.Function<String, V> loader) {
    return instance(RedisTier.builder(client(), KeyMapper.strings(), codec), observer, loader);
  }

  private <V> MultiLevelCache<String, V> instance(
      RedisTier.Builder<String, V> tier,
      CountingObserver observer,
      java.util.function.Function<String, V> loader) {
    MultiLevelCache<String, V> cache =
        toClose.add(
            MultiLevelCache.<String, V>builder("users")
                .ttl(Duration.ofMinutes(5))
                .tier(tier.build())
                .loader(
                    key -> {
                      loads.incrementAndGet();
                      return loader.apply(key);
                    })
                .build());
    cache.advanced().addObserver(observer);
    RedisTierKit.awaitCoherent(cache);
    return cache;
  }

  private RedisCacheClient client() {
    return toClose.add(
        RedisTierKit.connected(RedisConnectionOptions.standalone(REDIS.uri()).build()));
  }

  private static UserV1 loadedV1(String key) {
    return new UserV1(Long.parseLong(key), "loaded");
  }

  private static long unlinks() {
    return REDIS.server().commandCalls("unlink");
  }

  // ---------------------------------------------------------------- JSON of two value classes

  static Stream<Arguments> codecPairs() {
    return Stream.of(
        Arguments.of("Jackson 2 beside Jackson 2", Codec.json(UserV1.class), Codec.json(UserV2.class)),
        Arguments.of(
            "Jackson 2 beside Jackson 3", Codec.json(UserV1.class), Jackson3Codecs.json(UserV2.class)),
        Arguments.of(
            "Jackson 3 beside Jackson 2", Jackson3Codecs.json(UserV1.class), Codec.json(UserV2.class)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("codecPairs")
  void jsonOfTwoVersionsOfAType_eachReadsTheOthersEntries_andNothingIsDeleted(
      String name, Codec<UserV1> v1Codec, Codec<UserV2> v2Codec) {
    CountingObserver oldObserver = new CountingObserver();
    CountingObserver newObserver = new CountingObserver();
    MultiLevelCache<String, UserV1> old = instance(v1Codec, oldObserver, RedisRollingDeployIT::loadedV1);
    MultiLevelCache<String, UserV2> newer =
        instance(v2Codec, newObserver, key -> new UserV2(Long.parseLong(key), "loaded", null));
    long unlinksBefore = unlinks();

    old.put("1", new UserV1(1, "Ada"));
    newer.put("2", new UserV2(2, "Grace", "grace@example.org"));
    Map<String, String> written1 = admin.hgetall("strata:users:1");
    Map<String, String> written2 = admin.hgetall("strata:users:2");

    assertThat(newer.getIfPresent("1")).isEqualTo(new UserV2(1, "Ada", null));
    assertThat(old.getIfPresent("2")).isEqualTo(new UserV1(2, "Grace"));
    assertThat(newer.get("1")).as("a hit, not a load").isEqualTo(new UserV2(1, "Ada", null));
    assertThat(old.get("2")).isEqualTo(new UserV1(2, "Grace"));
    assertThat(loads).hasValue(0);
    assertThat(admin.hgetall("strata:users:1")).isEqualTo(written1);
    assertThat(admin.hgetall("strata:users:2"))
        .isEqualTo(written2)
        .extractingByKey("b")
        .asString()
        .contains("grace@example.org");
    assertThat(unlinks()).isEqualTo(unlinksBefore);
    assertThat(oldObserver.decodeErrors).hasValue(0);
    assertThat(newObserver.decodeErrors).hasValue(0);
  }

  // ---------------------------------------------------------------- another codec

  @Test
  void anEntryOfAnotherCodec_isAMissLeftInPlace_andALoadThereReplacesIt() {
    CountingObserver oldObserver = new CountingObserver();
    CountingObserver newObserver = new CountingObserver();
    MultiLevelCache<String, UserV1> old =
        instance(Codec.json(UserV1.class), oldObserver, RedisRollingDeployIT::loadedV1);
    MultiLevelCache<String, UserV1> compressing =
        instance(
            Codec.compressed(Codec.json(UserV1.class), 0), newObserver, RedisRollingDeployIT::loadedV1);
    long unlinksBefore = unlinks();
    old.put("1", new UserV1(1, "Ada"));
    // The put's push first: one heard during the load below makes it skip its store.
    awaitQuiet(newObserver, 1);
    Map<String, String> written = admin.hgetall("strata:users:1");

    assertThat(compressing.getIfPresent("1")).isNull();

    assertThat(admin.hgetall("strata:users:1")).as("left in place").isEqualTo(written);
    assertThat(unlinks()).isEqualTo(unlinksBefore);
    assertThat(newObserver.decodeErrors).hasValue(0);

    // Its own load replaces the entry: last writer wins, under the lease, refused by nothing.
    assertThat(compressing.get("1")).isEqualTo(new UserV1(1, "loaded"));
    assertThat(loads).hasValue(1);
    assertThat(admin.hget("strata:users:1", "ct")).isEqualTo("deflate+json");
    assertThat(newObserver.fillsRefused).hasValue(0);
    assertThat(admin.exists("strata::lease:{strata:users:1}")).isZero();

    // The write told the old version, whose own copy goes; the new entry is a miss left there.
    Await.until(Duration.ofSeconds(10), () -> old.getIfPresent("1") == null, "old to drop its copy");
    assertThat(admin.hget("strata:users:1", "ct")).isEqualTo("deflate+json");
    assertThat(unlinks()).isEqualTo(unlinksBefore);
    assertThat(oldObserver.decodeErrors).hasValue(0);
  }

  // ---------------------------------------------------------------- a newer format version

  @Test
  void anEntryOfANewerFormatVersion_isAMissLeftInPlace_andALoadReplacesIt() {
    CountingObserver observer = new CountingObserver();
    MultiLevelCache<String, UserV1> cache =
        instance(Codec.json(UserV1.class), observer, RedisRollingDeployIT::loadedV1);
    // Version 3 may lay out anything differently: here, no field this version knows but v.
    writeRaw("1", Map.of("v", "3", "payload", "\u0000whatever version 3 writes", "t", "x"));
    writeRaw("2", entry(Map.of("v", "12")));
    // The pushes of these writes first: one heard during the load below makes it skip its store.
    awaitQuiet(observer, 2);
    Map<String, String> written = admin.hgetall("strata:users:1");
    long unlinksBefore = unlinks();

    assertThat(cache.getIfPresent("1")).isNull();
    assertThat(cache.getIfPresent("2")).isNull();

    assertThat(admin.hgetall("strata:users:1")).isEqualTo(written);
    assertThat(admin.hget("strata:users:2", "v")).isEqualTo("12");
    assertThat(unlinks()).isEqualTo(unlinksBefore);
    assertThat(observer.decodeErrors).hasValue(0);

    assertThat(cache.get("1")).isEqualTo(new UserV1(1, "loaded"));
    assertThat(loads).hasValue(1);
    assertThat(admin.hget("strata:users:1", "v")).isEqualTo("2");
    assertThat(admin.pttl("strata:users:1")).isPositive();
    assertThat(observer.fillsRefused).hasValue(0);
  }

  // ---------------------------------------------------------------- the previous format version

  /**
   * Releases before this one wrote format version 1 (a field per item) and read only it: this
   * release reads their entries as hits, and each side reads the other's rewrite of a key by the
   * fields of the version its {@code v} names, whatever the other left in the hash.
   */
  @Test
  void entriesOfFormatVersion1_areHits_andARewriteInEitherVersionIsReadByItsOwnFields() {
    CountingObserver observer = new CountingObserver();
    MultiLevelCache<String, UserV1> cache =
        instance(Codec.json(UserV1.class), observer, RedisRollingDeployIT::loadedV1);
    Map<String, String> previous = entry(Map.of("et", "\"tag\"", "mt", "application/json"));
    writeRaw("1", previous);
    long unlinksBefore = unlinks();

    assertThat(cache.get("1")).as("a hit, not a load").isEqualTo(new UserV1(1, "raw"));
    assertThat(loads).hasValue(0);

    cache.put("1", new UserV1(1, "rewritten"));
    Map<String, String> rewritten = admin.hgetall("strata:users:1");
    assertThat(rewritten).containsEntry("v", "2").containsKeys("m", "id").containsEntry("et", "\"tag\"");
    MultiLevelCache<String, UserV1> other =
        instance(Codec.json(UserV1.class), observer, RedisRollingDeployIT::loadedV1);
    io.strata.cache.Lookup<UserV1> read = other.lookup("1");
    assertThat(read.tier()).isEqualTo("redis");
    assertThat(read.value()).isEqualTo(new UserV1(1, "rewritten"));

    // The previous release rewrites the key: its own fields, its HDEL of those its entry lacks.
    admin.hset("strata:users:1", entry(Map.of("b", "{\"id\":1,\"name\":\"old again\"}")));
    admin.hdel("strata:users:1", "et", "mt", "r", "n");
    MultiLevelCache<String, UserV1> third =
        instance(Codec.json(UserV1.class), observer, RedisRollingDeployIT::loadedV1);
    io.strata.cache.Lookup<UserV1> again = third.lookup("1");
    assertThat(again.tier()).isEqualTo("redis");
    assertThat(again.value()).isEqualTo(new UserV1(1, "old again"));

    assertThat(loads).hasValue(0);
    assertThat(unlinks()).isEqualTo(unlinksBefore);
    assertThat(observer.decodeErrors).hasValue(0);
  }

  /**
   * A load's lease on a key that exists reads the entry first: an entry it cannot read must not
   * count as found (the guard would wait for a value it can never read) nor refuse the store.
   */
  @Test
  void loadsOverForeignEntries_withTheStampedeGuard_loadOnceEach_withoutWaiting() {
    CountingObserver observer = new CountingObserver();
    MultiLevelCache<String, UserV1> cache =
        instance(
            RedisTier.builder(client(), KeyMapper.strings(), Codec.json(UserV1.class))
                .stampedeGuard(Duration.ofSeconds(20)),
            observer,
            RedisRollingDeployIT::loadedV1);
    writeRaw("1", entry(Map.of("ct", "deflate+json")));
    writeRaw("2", entry(Map.of("v", "3")));
    writeRaw("3", entry(Map.of("ct", "protobuf")));
    // The pushes of these writes first: one heard during a load makes it skip its store (a change
    // raced it), and the store is what this test checks.
    awaitQuiet(observer, 3);
    long start = System.nanoTime();

    UserV1 one = cache.get("1");
    Map<String, UserV1> bulk = cache.getAll(List.of("2", "3"));

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    assertThat(one).isEqualTo(new UserV1(1, "loaded"));
    assertThat(bulk).containsOnlyKeys("2", "3").containsEntry("3", new UserV1(3, "loaded"));
    assertThat(loads).hasValue(3);
    for (String key : List.of("1", "2", "3")) {
      assertThat(admin.hget("strata:users:" + key, "ct")).as(key).isEqualTo("json");
      assertThat(admin.hget("strata:users:" + key, "v")).as(key).isEqualTo("2");
      assertThat(admin.exists("strata::lease:{strata:users:" + key + "}")).as(key).isZero();
    }
    assertThat(observer.fillsRefused).hasValue(0);
    assertThat(observer.decodeErrors).hasValue(0);
  }

  // ---------------------------------------------------------------- corrupt by every reading

  @Test
  void entriesCorruptByEveryReading_areStillDeletedAndCounted() {
    Map<String, Map<String, String>> corrupt = new LinkedHashMap<>();
    corrupt.put("10", entry(Map.of("b", "\u0000\u00ffnot json")));
    corrupt.put("11", entry(Map.of("b", "{\"id\":\"eleven\",\"name\":\"x\"}")));
    corrupt.put("12", without(entry(Map.of()), "x"));
    corrupt.put("13", without(entry(Map.of()), "v"));
    corrupt.put("14", without(entry(Map.of()), "ct"));
    corrupt.put("15", entry(Map.of("v", "x")));
    corrupt.put("16", entry(Map.of("v", "0")));
    corrupt.put("17", entry(Map.of("v", "-2")));
    CountingObserver observer = new CountingObserver();
    MultiLevelCache<String, UserV1> cache =
        instance(Codec.json(UserV1.class), observer, RedisRollingDeployIT::loadedV1);
    corrupt.forEach(this::writeRaw);

    for (String key : corrupt.keySet()) {
      assertThat(cache.getIfPresent(key)).as(key).isNull();
      assertThat(admin.exists("strata:users:" + key)).as(key + " deleted").isZero();
    }
    assertThat(observer.decodeErrors).hasValue(corrupt.size());
  }

  @Test
  void aStrictReader_deletesAndCountsAnEntryWithAnUnknownProperty() {
    CountingObserver observer = new CountingObserver();
    MultiLevelCache<String, UserV2> newer =
        instance(Codec.json(UserV2.class), new CountingObserver(), key -> null);
    Codec<UserV1> strict =
        Codec.json(
            Codec.jsonMapperBuilder()
                .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build(),
            UserV1.class);
    MultiLevelCache<String, UserV1> old = instance(strict, observer, RedisRollingDeployIT::loadedV1);
    newer.put("1", new UserV2(1, "Ada", "ada@example.org"));

    assertThat(old.getIfPresent("1")).isNull();

    assertThat(admin.exists("strata:users:1")).isZero();
    assertThat(observer.decodeErrors).hasValue(1);
  }

  // ---------------------------------------------------------------- raw entries

  /** A well-formed version 1 entry of the json codec for a UserV1, with {@code overrides}. */
  private static Map<String, String> entry(Map<String, String> overrides) {
    Map<String, String> fields = new HashMap<>();
    fields.put("v", "1");
    fields.put("ct", "json");
    fields.put("b", "{\"id\":1,\"name\":\"raw\"}");
    fields.put("x", "0");
    fields.put("w", "0");
    fields.put("e", "0");
    fields.put("a", "1000");
    fields.put("l", "0");
    fields.putAll(overrides);
    return fields;
  }

  private static Map<String, String> without(Map<String, String> fields, String field) {
    Map<String, String> less = new HashMap<>(fields);
    less.remove(field);
    return less;
  }

  /** Waits until the cache has heard at least {@code pushes} and then no more for 300 ms. */
  private static void awaitQuiet(CountingObserver observer, int pushes) {
    Await.until(
        Duration.ofSeconds(10),
        () -> observer.invalidationsReceived.get() >= pushes,
        "the pushes of the raw writes");
    int heard;
    do {
      heard = observer.invalidationsReceived.get();
      try {
        Thread.sleep(300);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    } while (observer.invalidationsReceived.get() != heard);
  }

  private void writeRaw(String key, Map<String, String> fields) {
    admin.hset("strata:users:" + key, fields);
    admin.pexpire("strata:users:" + key, 60_000);
  }
}
