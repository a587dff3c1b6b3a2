package io.strata.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.codec.Codec;
import io.strata.cache.testkit.FakeTicker;
import io.strata.cache.testkit.InMemoryTier;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** {@link MultiLevelCacheBuilder#maximumValueWeight}: the heaviest value the local tier admits. */
class LocalValueWeightTest {

  private final FakeTicker ticker = new FakeTicker();
  private final InMemoryTier.Store store = new InMemoryTier.Store();
  private final List<String> tooLarge = new CopyOnWriteArrayList<>();

  private MultiLevelCache<String, String> cacheAdmittingUpTo(long maximumValueWeight) {
    MultiLevelCache<String, String> cache =
        MultiLevelCache.<String, String>builder("weighed")
            .ticker(ticker)
            .executor(Runnable::run)
            .ttl(Duration.ofMinutes(1))
            .maximumWeight(10_000, (key, value) -> value.length())
            .maximumValueWeight(maximumValueWeight)
            .tier(
                InMemoryTier.factory("memory", store, Codec.utf8(), InMemoryTier.Echo.OTHERS_ONLY))
            .loader(key -> "loaded-" + key)
            .build();
    cache.advanced().addObserver(
        new CacheObserver() {
          @Override
          public void valueTooLarge(String tier) {
            tooLarge.add(tier);
          }
        });
    return cache;
  }

  @Test
  void aValueWeighingExactlyTheMaximum_isAdmittedToTheLocalTier() {
    try (MultiLevelCache<String, String> cache = cacheAdmittingUpTo(5)) {
      cache.put("k", "12345");

      assertThat(cache.lookup("k")).isEqualTo(new Lookup<>("12345", "local", false));
      assertThat(tooLarge).isEmpty();
    }
  }

  @Test
  void aValueOneHeavierThanTheMaximum_staysInTheLowerTiersOnly() {
    try (MultiLevelCache<String, String> cache = cacheAdmittingUpTo(5)) {
      cache.put("k", "123456");

      assertThat(cache.lookup("k")).isEqualTo(new Lookup<>("123456", "memory", false));
      assertThat(tooLarge).isNotEmpty().containsOnly("local");
    }
  }
}
