package io.strata.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.strata.cache.Lookup;
import io.strata.cache.Loader;
import io.strata.cache.Loaded;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.MultiLevelCacheBuilder;
import io.strata.cache.codec.Codec;
import io.strata.cache.redis.harness.Await;
import io.strata.cache.redis.harness.FaultProxy;
import io.strata.cache.redis.harness.RedisExtension;
import io.strata.cache.testkit.FakeTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Layout, atomic writes, promotion, bulk pipelining and unreadable entries on a real Redis. */
class RedisDataPathIT {

  @RegisterExtension static final RedisExtension REDIS = RedisExtension.standalone();

  private static RedisCacheClient client;
  private static RedisClient adminClient;
  private static StatefulRedisConnection<String, String> adminConnection;
  private static RedisCommands<String, String> admin;

  private final AtomicInteger loads = new AtomicInteger();

  @BeforeAll
  static void connect() {
    // 2 s, not the default 250 ms: the concurrent test below runs 8 threads on 2 cores.
    client =
        RedisTierKit.connected(
            RedisConnectionOptions.standalone(REDIS.uri())
                .commandTimeout(Duration.ofSeconds(2))
                .build());
    adminClient = RedisClient.create(REDIS.uri());
    adminConnection = adminClient.connect();
    admin = adminConnection.sync();
  }

  @AfterAll
  static void disconnect() {
    client.close();
    adminConnection.close();
    adminClient.shutdown();
  }

  @BeforeEach
  void emptyRedis() {
    REDIS.flushAll();
  }

  private MultiLevelCacheBuilder<String, String> instance(String name) {
    return MultiLevelCache.<String, String>builder(name)
        .ttl(Duration.ofMinutes(5))
        .tier(RedisTier.factory(client, Codec.utf8()))
        .loader(
            key -> {
              loads.incrementAndGet();
              return "loaded-" + key;
            });
  }

  @Test
  void readmeSnippet_compilesAndWorks() {
    Map<String, String> database = Map.of("42", "Ada");
    String redisUri = REDIS.uri();
    // README: begin
    try (RedisCacheClient redis = RedisCacheClient.create(redisUri); // one per application
        MultiLevelCache<String, String> users =
            MultiLevelCache.<String, String>builder("users")
                .ttl(Duration.ofMinutes(10))
                .localTtl(Duration.ofSeconds(30))
                .tier(RedisTier.factory(redis, Codec.utf8())) // strata:users:<key>
                .loader(database::get)
                .build()) {
      String name = users.get("42"); // local miss, Redis miss: loaded, written to both
      // README: end
      assertThat(name).isEqualTo("Ada");
      Await.until(Duration.ofSeconds(5), redis::isConnected, "the README's client to connect");
      users.put("43", "Grace");
      assertThat(admin.hget("strata:users:43", "b")).isEqualTo("Grace");
    }
  }

  record Tile(int z, int x, int y, byte[] png) {}

  @Test
  void everyCodec_roundTripsThroughRedis() {
    byte[] png = new byte[3000];
    for (int i = 0; i < png.length; i++) {
      png[i] = (byte) (i % 7);
    }
    assertRoundTrip("bytes", Codec.bytes(), png, (a, b) -> java.util.Arrays.equals(a, b));
    assertRoundTrip("utf8", Codec.utf8(), "grüße \uD83D\uDE00", String::equals);
    assertRoundTrip(
        "json", Codec.json(Tile.class), new Tile(3, 4, 5, png), (a, b) -> a.z() == b.z()
            && java.util.Arrays.equals(a.png(), b.png()));
    assertRoundTrip(
        "deflate",
        Codec.compressed(Codec.utf8(), 64),
        "tile ".repeat(1000),
        String::equals);
  }

  private <V> void assertRoundTrip(
      String name, Codec<V> codec, V value, java.util.function.BiPredicate<V, V> same) {
    try (MultiLevelCache<String, V> writer =
            MultiLevelCache.<String, V>builder(name).tier(RedisTier.factory(client, codec)).build();
        MultiLevelCache<String, V> reader =
            MultiLevelCache.<String, V>builder(name)
                .tier(RedisTier.factory(client, codec))
                .loader(key -> { throw new AssertionError("the value must come from Redis"); })
                .build()) {
      writer.put("k", value);
      Lookup<V> read = reader.lookup("k");
      assertThat(read.tier()).as(name).isEqualTo("redis");
      assertThat(same.test(read.value(), value)).as(name + " round trip").isTrue();
      assertThat(admin.hget("strata:" + name + ":k", "ct")).isEqualTo(codec.id());
    }
  }

  @Test
  void entriesAreHashesWithTheDocumentedFields_andATtl() {
    try (MultiLevelCache<String, String> cache = instance("layout").build()) {
      cache.put("k", "v", Duration.ofSeconds(30));

      Map<String, String> hash = admin.hgetall("strata:layout:k");
      assertThat(hash).containsOnlyKeys("v", "ct", "b", "m", "id");
      assertThat(hash).containsEntry("b", "v").containsEntry("ct", "utf8").containsEntry("v", "2");
      assertThat(hash.get("m")).matches("0:0:0:0:\\d+:\\d+:0:-:-:-");
      assertThat(admin.pttl("strata:layout:k")).isBetween(25_000L, 30_000L);
    }
  }

  @Test
  void aRewrite_leavesNoFieldOfThePreviousEntry_andReplacesAKeyOfAnotherType() {
    Loader<String, String> withValidator =
        new Loader<>() {
          @Override
          public String load(String key) {
            throw new AssertionError("loadEntry is called");
          }

          @Override
          public Loaded<String> loadEntry(String key) {
            return key.equals("gone")
                ? Loaded.notFound()
                : Loaded.builder("tagged").etag("\"v1\"").lastModified("yesterday").build();
          }
        };
    try (MultiLevelCache<String, String> cache =
        MultiLevelCache.<String, String>builder("rewrite")
            .ttl(Duration.ofMinutes(5))
            .negativeTtl(Duration.ofMinutes(1))
            .tier(RedisTier.factory(client, Codec.utf8()))
            .loader(withValidator)
            .build()) {
      // A load that ends while tracking is being armed for the new prefix is not stored anywhere.
      RedisTierKit.awaitCoherent(cache);
      cache.get("k");
      assertThat(admin.hget("strata:rewrite:k", "m")).endsWith(":0:-:4=\"v1\":9=yesterday");

      cache.put("k", "plain");
      Map<String, String> rewritten = admin.hgetall("strata:rewrite:k");
      assertThat(rewritten).containsOnlyKeys("v", "ct", "b", "m", "id").containsEntry("b", "plain");
      assertThat(rewritten.get("m")).endsWith(":0:-:-:-");
      try (RedisCacheClient second =
              RedisTierKit.connected(RedisConnectionOptions.standalone(REDIS.uri()).build());
          MultiLevelCache<String, String> other =
              MultiLevelCache.<String, String>builder("rewrite")
                  .tier(RedisTier.factory(second, Codec.utf8()))
                  .loader(key -> "loaded, not read: " + key)
                  .build()) {
        assertThat(other.lookup("k")).isEqualTo(new Lookup<>("plain", "redis", false));
      }

      cache.put("gone", "here");
      cache.advanced().refresh("gone").join(); // the source no longer has it: a negative entry
      Map<String, String> negative = admin.hgetall("strata:rewrite:gone");
      assertThat(negative).containsEntry("b", "").containsOnlyKeys("v", "ct", "b", "m", "id");
      assertThat(negative.get("m")).endsWith(":1:-:-:-");

      admin.set("strata:rewrite:text", "a string, not a hash");
      cache.put("text", "now a hash");
      assertThat(admin.type("strata:rewrite:text")).isEqualTo("hash");
      assertThat(admin.pttl("strata:rewrite:text")).isPositive();
      assertThat(cache.get("text")).isEqualTo("now a hash");
    }
  }

  @Test
  void afterAMixedWorkload_noKeyIsWithoutATtl() {
    try (MultiLevelCache<String, String> cache =
        instance("mixed").negativeTtl(Duration.ofSeconds(30)).build()) {
      for (int i = 0; i < 200; i++) {
        String key = "k" + (i % 50);
        switch (i % 5) {
          case 0 -> cache.put(key, "v" + i);
          case 1 -> cache.put(key, "v" + i, Duration.ofSeconds(1 + i % 7));
          case 2 -> cache.getAll(List.of(key, "other" + i));
          case 3 -> cache.invalidate(key);
          default -> cache.putAll(Map.of(key, "p" + i, "q" + i, "q"));
        }
      }
      cache.get("absent", k -> null);

      List<String> keys = scan("strata:mixed:*");
      assertThat(keys).hasSizeGreaterThan(50);
      for (String key : keys) {
        // -1 would be a key without a TTL; -2, a short-lived key that expired since the SCAN.
        assertThat(admin.pttl(key)).as("PTTL of " + key).isNotEqualTo(-1L);
      }
    }
  }

  @Test
  void promotion_usesTheRemainingTtl_notTheOriginalOne() {
    FakeTicker readerTime = new FakeTicker();
    try (FaultProxy proxy = FaultProxy.start("127.0.0.1", REDIS.server().port())
            .exemptConnectionsSaying("strata-invalidations");
        RedisCacheClient viaProxy =
            RedisTierKit.connected(RedisConnectionOptions.standalone(proxy.uri()).build());
        MultiLevelCache<String, String> writer = instance("promo").build();
        MultiLevelCache<String, String> reader =
            MultiLevelCache.<String, String>builder("promo")
                .ticker(readerTime)
                .tier(RedisTier.factory(viaProxy, Codec.utf8()))
                .build()) {
      RedisTierKit.awaitCoherent(reader);
      CountingObserver heard = new CountingObserver();
      reader.advanced().addObserver(heard);
      writer.put("k", "v", Duration.ofMinutes(1));
      Await.until(Duration.ofSeconds(5), () -> heard.invalidationsReceived.get() >= 1, "the put's push");
      admin.pexpire("strata:promo:k", 5_000);
      Await.until(Duration.ofSeconds(5), () -> heard.invalidationsReceived.get() >= 2, "the pexpire's push");

      assertThat(reader.getIfPresent("k")).isEqualTo("v");
      // Redis stops answering the reader's reads; its invalidations still arrive.
      proxy.blackhole();

      // 1 s short of the 5 s left: the real time since the PEXPIRE has to fit in it.
      readerTime.advance(Duration.ofMillis(4_000));
      assertThat(reader.advanced().estimatedLocalSize()).isOne();
      assertThat(reader.getIfPresent("k")).isEqualTo("v");
      readerTime.advance(Duration.ofMillis(1_400));
      assertThat(reader.getIfPresent("k")).isNull();
    }
  }

  /** With replies held, the server can only have all 100 reads if they were sent together. */
  @Test
  void getAll_sendsEveryReadBeforeAnyReplyComes() throws Exception {
    Map<String, String> values = values(100);
    Map<String, String> read = firstRoundTrip(values, 100, "hgetall", MultiLevelCache::getAll);
    assertThat(read).isEqualTo(values);
  }

  /**
   * A round trip carries the reads or writes of at most 512 keys (four transactions of 128), as
   * when each key was a command of its own: a batch must be answered within the command timeout.
   */
  @Test
  void getAll_ofManyKeys_sendsAtMost512KeysPerRoundTrip() throws Exception {
    Map<String, String> values = values(1000);
    Map<String, String> read = firstRoundTrip(values, 512, "hgetall", MultiLevelCache::getAll);
    assertThat(read).isEqualTo(values);
  }

  @Test
  void putAll_ofManyEntries_sendsAtMost512PerRoundTrip() throws Exception {
    Map<String, String> values = values(1000);
    Map<String, String> written = new LinkedHashMap<>();
    values.forEach((key, value) -> written.put(key, "new-" + value));

    firstRoundTrip(
        values,
        512,
        "hset",
        (cache, keys) -> {
          cache.putAll(written);
          return null;
        });

    for (String key : List.of("k0", "k511", "k512", "k999")) {
      assertThat(admin.hget("strata:bulk:" + key, "b")).isEqualTo(written.get(key));
    }
  }

  private static Map<String, String> values(int count) {
    Map<String, String> values = new LinkedHashMap<>();
    IntStream.range(0, count).forEach(i -> values.put("k" + i, "v" + i));
    return values;
  }

  /**
   * Writes {@code values} to Redis, then runs {@code call} with their keys on a cache whose Redis
   * replies are held back, asserts that exactly {@code firstRoundTrip} {@code command}s reach the
   * server before the first reply comes, and, once replies flow, one per key; returns what the
   * call returned.
   */
  private <T> T firstRoundTrip(
      Map<String, String> values,
      int firstRoundTrip,
      String command,
      java.util.function.BiFunction<MultiLevelCache<String, String>, Set<String>, T> call)
      throws Exception {
    // Every connection's replies are held, the tracking connection's too: plain writes go on it.
    try (FaultProxy proxy = FaultProxy.start("127.0.0.1", REDIS.server().port());
        RedisCacheClient viaProxy =
            RedisTierKit.connected(RedisConnectionOptions.standalone(proxy.uri())
                .commandTimeout(Duration.ofSeconds(5)).build());
        MultiLevelCache<String, String> writer = instance("bulk").build();
        MultiLevelCache<String, String> cache =
            MultiLevelCache.<String, String>builder("bulk")
                .tier(RedisTier.factory(viaProxy, Codec.utf8()))
                .build()) {
      writer.putAll(values);
      cache.getIfPresent("warm");
      long callsBefore = REDIS.server().commandCalls(command);

      proxy.holdReplies();
      CompletableFuture<T> done = CompletableFuture.supplyAsync(() -> call.apply(cache, values.keySet()));
      Await.until(
          Duration.ofSeconds(5),
          () -> REDIS.server().commandCalls(command) - callsBefore >= firstRoundTrip,
          firstRoundTrip + " " + command + "s on the server");
      // The next round trip goes only once the first is answered, and the replies are held.
      assertThat(REDIS.server().commandCalls(command) - callsBefore).isEqualTo(firstRoundTrip);
      assertThat(done).isNotDone();
      proxy.releaseReplies();

      T result = done.get();
      assertThat(REDIS.server().commandCalls(command) - callsBefore).isEqualTo(values.size());
      return result;
    }
  }

  /**
   * A getAll of 300 keys is three transactions (128, 128, 44 keys), not one per key; an entry that
   * cannot be read (a key of another type, a value over the client's reply limit) is a miss,
   * deleted and counted, and costs the other keys of its transaction nothing.
   */
  @Test
  void getAll_readsManyKeysPerTransaction_andJudgesEachKeyAlone() {
    CountingObserver observer = new CountingObserver();
    try (MultiLevelCache<String, String> writer = instance("grouped").build();
        MultiLevelCache<String, String> reader =
            MultiLevelCache.<String, String>builder("grouped")
                .tier(RedisTier.factory(client, Codec.utf8()))
                .build()) {
      reader.advanced().addObserver(observer);
      Map<String, String> values = new LinkedHashMap<>();
      IntStream.range(0, 300).forEach(i -> values.put("k" + i, "v" + i));
      writer.putAll(values);
      admin.del("strata:grouped:k7");
      admin.set("strata:grouped:k7", "a string, not a hash");
      admin.hset("strata:grouped:k200", "b", "h".repeat(3 * 1024 * 1024));
      values.remove("k7");
      values.remove("k200");
      List<String> keys = new java.util.ArrayList<>(values.keySet());
      keys.add(7, "k7");
      keys.add(200, "k200");
      keys.add("absent");
      long execBefore = REDIS.server().commandCalls("exec");

      Map<String, String> found = reader.getAll(keys);

      assertThat(REDIS.server().commandCalls("exec") - execBefore).isEqualTo(3);
      assertThat(found).isEqualTo(values);
      assertThat(observer.decodeErrors).hasValue(1);
      assertThat(observer.tooLarge).hasValue(1);
      assertThat(observer.tierErrors).hasValue(0);
      assertThat(admin.exists("strata:grouped:k7", "strata:grouped:k200")).isZero();
    }
  }

  /**
   * A putAll of 300 plain entries is three transactions (128, 128, 44 entries), not one per key;
   * each entry has every field, a TTL, and replaces a key of another type and a load's lease.
   */
  @Test
  void putAll_writesManyEntriesPerTransaction_eachWhole() {
    try (MultiLevelCache<String, String> writer = instance("grouped").build()) {
      admin.set("strata:grouped:k7", "a string, not a hash");
      admin.set("strata::lease:{strata:grouped:k9}", "a load's token");
      Map<String, String> values = new LinkedHashMap<>();
      IntStream.range(0, 300).forEach(i -> values.put("k" + i, "v" + i));
      long execBefore = REDIS.server().commandCalls("exec");

      writer.putAll(values);

      assertThat(REDIS.server().commandCalls("exec") - execBefore).isEqualTo(3);
      for (int i = 0; i < 300; i++) {
        String key = "strata:grouped:k" + i;
        assertThat(admin.hget(key, "b")).as(key).isEqualTo("v" + i);
        assertThat(admin.pttl(key)).as("PTTL of " + key).isPositive();
      }
      assertThat(admin.exists("strata::lease:{strata:grouped:k9}")).isZero();
    }
  }

  /**
   * Reads are four commands and writes one, all on one shared connection: from many threads at
   * once, no command of one call may land inside another call's transaction.
   */
  @Test
  void concurrentReadsAndWrites_onTheSharedConnection_neverMix() throws Exception {
    CountingObserver observer = new CountingObserver();
    try (MultiLevelCache<String, String> cache =
        MultiLevelCache.<String, String>builder("mixed")
            .ttl(Duration.ofMinutes(5))
            .localTtl(Duration.ofNanos(1))
            .tier(RedisTier.factory(client, Codec.utf8()))
            .build()) {
      cache.advanced().addObserver(observer);
      int threads = 8;
      java.util.concurrent.ExecutorService pool =
          java.util.concurrent.Executors.newFixedThreadPool(threads);
      try {
        List<java.util.concurrent.Future<?>> work = new java.util.ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int seed = t;
          work.add(
              pool.submit(
                  () -> {
                    java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
                    for (int i = 0; i < 3_000; i++) {
                      String key = "k" + random.nextInt(20);
                      if (random.nextInt(4) == 0) {
                        cache.put(key, key + "=" + i);
                      } else {
                        String value = cache.getIfPresent(key);
                        if (value != null && !value.startsWith(key + "=")) {
                          throw new AssertionError(key + " read " + value);
                        }
                      }
                    }
                    return null;
                  }));
        }
        for (java.util.concurrent.Future<?> done : work) {
          done.get(2, java.util.concurrent.TimeUnit.MINUTES);
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(observer.tierErrors).as("tier errors").hasValue(0);
      assertThat(observer.decodeErrors).as("decode errors").hasValue(0);
    }
  }

  // ---------------------------------------------------------------- unreadable entries

  /** Entries of another codec or a newer format version are not corrupt: RedisRollingDeployIT. */
  @Test
  void unreadableEntries_areMisses_deleted_andCounted() {
    Map<String, Runnable> corruptions = new LinkedHashMap<>();
    corruptions.put("garbage", () -> writeHash("garbage", Map.of("b", "\u0000\u00ffnot json")));
    corruptions.put("missing", () -> writeRaw("missing", Map.of("b", "v")));
    corruptions.put("string", () -> admin.set("strata:corrupt:string", "plain", io.lettuce.core.SetArgs.Builder.px(60_000)));
    corruptions.put("version", () -> writeHash("version", Map.of("v", "1.0")));
    corruptions.put("nottl", () -> {
      writeHash("nottl", Map.of());
      admin.persist("strata:corrupt:nottl");
    });
    corruptions.put("badnumber", () -> writeHash("badnumber", Map.of("x", "-5")));
    corruptions.put("v2-nometadata", () -> writeRaw("v2-nometadata", Map.of("v", "2", "ct", "json", "b", "{}")));
    corruptions.put("v2-badmetadata", () -> writeVersion2("v2-badmetadata", "0:0:0:0:1000:0:0:-:-"));
    corruptions.put("v2-negativewithbytes", () -> writeVersion2("v2-negativewithbytes", "0:0:0:0:1000:0:1:-:-:-"));

    CountingObserver observer = new CountingObserver();
    try (MultiLevelCache<String, Tile> cache =
        MultiLevelCache.<String, Tile>builder("corrupt")
            .tier(RedisTier.factory(client, Codec.json(Tile.class)))
            .build()) {
      cache.advanced().addObserver(observer);
      corruptions.forEach((key, corrupt) -> corrupt.run());

      for (String key : corruptions.keySet()) {
        assertThat(cache.getIfPresent(key)).as(key).isNull();
        assertThat(admin.exists("strata:corrupt:" + key)).as(key + " deleted").isZero();
      }
      assertThat(observer.decodeErrors).hasValue(corruptions.size());
      assertThat(observer.tierErrors).hasValue(0);
    }
  }

  @Test
  void anUnreadableEntry_isDeleted_andTheLoaderAnswers() {
    writeHash("garbage", Map.of("b", "\u0000"));
    try (MultiLevelCache<String, Tile> cache =
        MultiLevelCache.<String, Tile>builder("corrupt")
            .tier(RedisTier.factory(client, Codec.json(Tile.class)))
            .loader(key -> new Tile(1, 2, 3, new byte[] {9}))
            .build()) {
      assertThat(cache.get("garbage").z()).isEqualTo(1);
      assertThat(admin.hget("strata:corrupt:garbage", "b")).isNotEqualTo("\u0000");
    }
  }

  /**
   * Writes a well-formed entry of format version 1 (the previous releases': still read) for the
   * json codec, with {@code overrides} applied.
   */
  private void writeHash(String key, Map<String, String> overrides) {
    Map<String, String> fields = new HashMap<>();
    fields.put("v", "1");
    fields.put("ct", "json");
    fields.put("b", "{\"z\":1,\"x\":2,\"y\":3,\"png\":\"AQ==\"}");
    fields.put("x", "0");
    fields.put("w", "0");
    fields.put("e", "0");
    fields.put("a", "1000");
    fields.put("l", "0");
    fields.putAll(overrides);
    writeRaw(key, fields);
  }

  /** Writes a format version 2 entry for the json codec with the metadata {@code m}. */
  private void writeVersion2(String key, String m) {
    writeRaw(key, Map.of("v", "2", "ct", "json", "b", "{\"z\":1,\"x\":2,\"y\":3,\"png\":\"AQ==\"}", "m", m));
  }

  private void writeRaw(String key, Map<String, String> fields) {
    admin.hset("strata:corrupt:" + key, fields);
    admin.pexpire("strata:corrupt:" + key, 60_000);
  }

  // ---------------------------------------------------------------- size limits

  @Test
  void aValueOverTheLimit_isNotWritten_andTheOldOneIsDeleted() {
    CountingObserver observer = new CountingObserver();
    try (MultiLevelCache<String, String> cache =
        MultiLevelCache.<String, String>builder("large")
            .tier(RedisTier.builder(client, KeyMapper.strings(), Codec.utf8()).maxValueBytes(16).build())
            .build()) {
      cache.advanced().addObserver(observer);
      cache.put("k", "small");
      assertThat(admin.exists("strata:large:k")).isOne();

      cache.put("k", "x".repeat(17));

      assertThat(admin.exists("strata:large:k")).isZero();
      assertThat(observer.tooLarge).hasValue(1);
    }
  }

  @Test
  void aFieldOverTheLimit_isRefusedOnRead() {
    CountingObserver observer = new CountingObserver();
    try (MultiLevelCache<String, String> writer =
            MultiLevelCache.<String, String>builder("large")
                .tier(RedisTier.factory(client, Codec.utf8()))
                .build();
        MultiLevelCache<String, String> reader =
            MultiLevelCache.<String, String>builder("large")
                .tier(RedisTier.builder(client, KeyMapper.strings(), Codec.utf8()).maxValueBytes(16).build())
                .build()) {
      reader.advanced().addObserver(observer);
      writer.put("k", "y".repeat(1000));

      assertThat(reader.getIfPresent("k")).isNull();
      assertThat(observer.tooLarge).hasValue(1);
      assertThat(admin.exists("strata:large:k")).isZero();
    }
  }

  @Test
  void aValueOverTheClientsReplyLimit_neverReachesItWhole_andTheConnectionGoesOn() {
    CountingObserver observer = new CountingObserver();
    try (MultiLevelCache<String, String> cache =
        MultiLevelCache.<String, String>builder("large")
            .tier(RedisTier.factory(client, Codec.utf8()))
            .build()) {
      cache.advanced().addObserver(observer);
      cache.put("small", "fits");
      // Written by someone else: 3 MiB in b, and 3 MiB in a field no reader asks for by name.
      String huge = "h".repeat(3 * 1024 * 1024);
      for (String field : List.of("b", "zz")) {
        String key = "strata:large:" + field;
        admin.hset(key, Map.of("v", "1", "x", "0", "a", "1000", "b", "x"));
        admin.hset(key, field, huge);
        admin.pexpire(key, 60_000);
      }

      assertThat(cache.getAll(List.of("b", "zz", "small"))).containsOnlyKeys("small");

      assertThat(observer.tooLarge).hasValue(2);
      assertThat(observer.tierErrors).hasValue(0);
      assertThat(admin.exists("strata:large:b", "strata:large:zz")).isZero();
      assertThat(cache.getIfPresent("small")).isEqualTo("fits");
    }
  }

  @Test
  void keysOfOtherTypes_useTheirMapper() {
    try (MultiLevelCache<Long, String> cache =
        MultiLevelCache.<Long, String>builder("numbers")
            .tier(RedisTier.builder(client, KeyMapper.of(String::valueOf, Long::valueOf), Codec.utf8()).build())
            .build()) {
      cache.put(42L, "answer");
      assertThat(admin.hget("strata:numbers:42", "b")).isEqualTo("answer");
    }
  }

  private List<String> scan(String pattern) {
    List<String> keys = new ArrayList<>();
    KeyScanCursor<String> cursor = admin.scan(ScanArgs.Builder.matches(pattern).limit(500));
    keys.addAll(cursor.getKeys());
    while (!cursor.isFinished()) {
      cursor = admin.scan(ScanCursor.of(cursor.getCursor()), ScanArgs.Builder.matches(pattern).limit(500));
      keys.addAll(cursor.getKeys());
    }
    return keys;
  }

}
