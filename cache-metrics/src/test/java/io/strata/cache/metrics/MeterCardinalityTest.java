package io.strata.cache.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.testkit.FakeTicker;
import io.strata.cache.testkit.InMemoryTier;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Keys never reach a tag: a million distinct keys add no meter. */
class MeterCardinalityTest {

  @Test
  void meterCount_staysConstant_afterAMillionDistinctKeys() {
    FakeTicker ticker = new FakeTicker();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    InMemoryTier.Store store = new InMemoryTier.Store();
    Tiers.Capturing tiers = Tiers.capturing("redis", store);
    try (MultiLevelCache<String, String> cache =
        StrataCacheMetrics.monitor(
            registry,
            MultiLevelCache.<String, String>builder("users")
                .ticker(ticker)
                .executor(Runnable::run)
                .maximumSize(1_000)
                .ttl(Duration.ofMinutes(10))
                .staleIfError(Duration.ofMinutes(1))
                .loader(key -> key.hashCode() % 7 == 0 ? null : "value-" + key)
                .tier(tiers)
                .build())) {
      // Every kind of event once, so that meters registered on first use exist before counting.
      cache.get("warm");
      tiers.tier().sink().invalidateAll("disconnect");
      tiers.context().observer().staleServed("error");
      int meters = registry.getMeters().size();

      for (int i = 0; i < 1_000_000; i++) {
        String key = "key-" + i;
        switch (i % 4) {
          case 0 -> cache.get(key);
          case 1 -> cache.put(key, "v");
          case 2 -> cache.getAll(List.of(key, key + "-b"));
          default -> cache.putAll(Map.of(key, "v"));
        }
        if (i % 100 == 99) {
          tiers.tier().sink().invalidate(List.of(key)); // another instance changed it
        }
        cache.invalidate(key); // keeps the shared store small
      }
      store.failWith(new IllegalStateException("down"));
      for (int i = 0; i < 1_000; i++) {
        cache.get("failing-" + i);
      }

      assertThat(registry.getMeters()).hasSize(meters);
      assertThat(
              registry
                  .get("cache.tier.gets")
                  .tags("tier", "redis", "result", "miss")
                  .functionCounter()
                  .count())
          .isGreaterThan(500_000);
      assertThat(registry.get("cache.tier.errors").tags("operation", "get").counter().count())
          .isEqualTo(1_000);
    }
  }
}
