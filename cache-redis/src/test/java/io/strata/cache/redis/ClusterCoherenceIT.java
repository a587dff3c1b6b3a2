package io.strata.cache.redis;

import static io.strata.cache.redis.RecordingTierContext.entry;
import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.cluster.SlotHash;
import io.strata.cache.CacheEntry;
import io.strata.cache.CacheTier;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.TierLease;
import io.strata.cache.codec.Codec;
import io.strata.cache.redis.harness.Await;
import io.strata.cache.redis.harness.CloseAfterEach;
import io.strata.cache.redis.harness.RedisExtension;
import io.strata.cache.redis.harness.RedisNode;
import java.time.Duration;
import java.util.ArrayList;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Coherence on a real 3-master cluster: every master is tracked. */
class ClusterCoherenceIT {

  @RegisterExtension static final RedisExtension REDIS = RedisExtension.cluster();

  private static final Duration SOON = Duration.ofSeconds(10);

  @RegisterExtension final CloseAfterEach toClose = new CloseAfterEach();


  private MultiLevelCache<String, String> instance(String name) {
    RedisCacheClient client =
        RedisTierKit.connected(RedisConnectionOptions.cluster(REDIS.uri()).build());
    toClose.add(client);
    MultiLevelCache<String, String> cache =
        MultiLevelCache.<String, String>builder(name)
            .tier(RedisTier.factory(client, Codec.utf8()))
            .loader(key -> "loaded-" + key)
            .build();
    toClose.add(cache);
    RedisTierKit.awaitCoherent(cache);
    assertThat(client.invalidationStatus()).as("one tracking connection per master").hasSize(3);
    return cache;
  }

  /** Returns keys that together live on every master. */
  private static List<String> keysOnEveryShard(String cacheName) {
    List<String> keys = new ArrayList<>();
    Set<String> nodes = new HashSet<>();
    for (int i = 0; nodes.size() < 3 && i < 1_000; i++) {
      String key = "k" + i;
      String node = nodeOf("strata:" + cacheName + ":" + key);
      if (nodes.add(node)) {
        keys.add(key);
      }
    }
    assertThat(nodes).hasSize(3);
    return keys;
  }

  /** Returns the node serving {@code redisKey}, by its port. */
  private static String nodeOf(String redisKey) {
    for (RedisNode node : REDIS.nodes()) {
      if (node.servesKey(redisKey)) {
        return node.host() + ":" + node.port();
      }
    }
    throw new AssertionError("no master serves " + redisKey);
  }

  @Test
  void aWriteOnA_evictsTheKeyOnB_onEveryShard() {
    MultiLevelCache<String, String> a = instance("sharded");
    MultiLevelCache<String, String> b = instance("sharded");
    for (String key : keysOnEveryShard("sharded")) {
      b.get(key);
      Await.until(SOON, () -> "local".equals(b.lookup(key).tier()), key + " local on B");
      a.put(key, "new-" + key);
      Await.until(SOON, () -> ("new-" + key).equals(b.getIfPresent(key)), "B to see " + key);
    }
  }

  @Test
  void invalidateAll_reachesEveryShard_andEveryInstance() {
    MultiLevelCache<String, String> a = instance("wiped");
    MultiLevelCache<String, String> b = instance("wiped");
    List<String> keys = keysOnEveryShard("wiped");
    for (String key : keys) {
      a.put(key, "v");
      b.get(key);
      Await.until(SOON, () -> "local".equals(b.lookup(key).tier()), key + " local on B");
    }

    a.invalidateAll();

    Await.until(SOON, () -> b.advanced().estimatedLocalSize() == 0, "B's local tier to empty");
    for (String key : keys) {
      assertThat(b.get(key)).isEqualTo("loaded-" + key);
    }
    for (RedisNode node : REDIS.nodes()) {
      for (Object left : (List<?>) node.command("KEYS", "strata:wiped:*")) {
        assertThat(String.valueOf(left)).isIn("strata:wiped:", "strata:wiped:" + keys.get(0),
            "strata:wiped:" + keys.get(1), "strata:wiped:" + keys.get(2));
      }
    }
  }

  @Test
  void leasesAndLeasedStores_forKeysOnEveryShard_inOneBatch() {
    RecordingTierContext contextA = new RecordingTierContext("leasing");
    RecordingTierContext contextB = new RecordingTierContext("leasing");
    CacheTier<String, String> a = clusterTier(contextA);
    CacheTier<String, String> b = clusterTier(contextB);
    List<String> keys = new ArrayList<>(keysOnEveryShard("leasing"));
    for (int i = 0; i < 30; i++) {
      keys.add("m" + i);
    }

    Map<String, TierLease<String>> leases = a.lease(keys, false);

    assertThat(leases).containsOnlyKeys(keys);
    assertThat(leases.values()).allMatch(TierLease::isHeld);
    for (String key : keys) {
      assertThat(nodeOf("strata::lease:{strata:leasing:" + key + "}"))
          .as("the node of the lease of " + key)
          .isEqualTo(nodeOf("strata:leasing:" + key));
    }
    b.invalidate(keys.get(0));
    b.put(keys.get(1), entry("new"));
    Map<String, CacheEntry<String>> loaded = new LinkedHashMap<>();
    keys.forEach(key -> loaded.put(key, entry("loaded-" + key)));

    assertThat(a.putLeased(loaded, leases)).containsExactlyInAnyOrder(keys.get(0), keys.get(1));

    Map<String, CacheEntry<String>> stored = b.getAll(keys);
    assertThat(stored).doesNotContainKey(keys.get(0));
    assertThat(stored.get(keys.get(1)).value()).isEqualTo("new");
    for (String key : keys.subList(2, keys.size())) {
      assertThat(stored.get(key).value()).isEqualTo("loaded-" + key);
    }
    for (RedisNode node : REDIS.nodes()) {
      assertThat((List<?>) node.command("KEYS", "strata::lease:{strata:leasing:*"))
          .as("leases left")
          .isEmpty();
    }
  }

  @Test
  void aKeyWhoseBracesSendItsLeaseToAnotherSlot_getsNoLease_andIsStoredUnconditionally() {
    CacheTier<String, String> a = clusterTier(new RecordingTierContext("braced"));
    String key = "a}b";
    assertThat(SlotHash.getSlot("strata::lease:{strata:braced:a}b}".getBytes(StandardCharsets.UTF_8)))
        .as("precondition: the lease key's slot differs")
        .isNotEqualTo(SlotHash.getSlot("strata:braced:a}b".getBytes(StandardCharsets.UTF_8)));

    Map<String, TierLease<String>> leases = a.lease(List.of(key, "plain"), false);
    assertThat(leases).containsOnlyKeys("plain");
    a.release(leases);
    for (RedisNode node : REDIS.nodes()) {
      assertThat((List<?>) node.command("KEYS", "strata::lease:{strata:braced:*"))
          .as("leases left after the release")
          .isEmpty();
    }
    assertThat(a.putLeased(Map.of(key, entry("x")), Map.of())).isEmpty();

    assertThat(a.get(key).value()).isEqualTo("x");
    a.invalidate(key);
    assertThat(a.get(key)).isNull();
  }

  private CacheTier<String, String> clusterTier(RecordingTierContext context) {
    RedisCacheClient client =
        toClose.add(RedisTierKit.connected(RedisConnectionOptions.cluster(REDIS.uri()).build()));
    return toClose.add(
        context.create(RedisTier.builder(client, KeyMapper.strings(), Codec.utf8()).build()));
  }
}
