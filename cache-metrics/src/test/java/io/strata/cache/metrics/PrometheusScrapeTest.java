package io.strata.cache.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.testkit.FakeTicker;
import io.strata.cache.testkit.InMemoryTier;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real Prometheus registry scrapes Strata caches beside a Caffeine cache bound with Micrometer's
 * own binder: no meter is refused, and each cache answers the same query.
 */
class PrometheusScrapeTest {

  private final FakeTicker ticker = new FakeTicker();
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final List<String> refused = new CopyOnWriteArrayList<>();
  private final List<MultiLevelCache<?, ?>> built = new CopyOnWriteArrayList<>();

  @BeforeEach
  void recordRefusals() {
    registry.config().onMeterRegistrationFailed((id, reason) -> refused.add(id + ": " + reason));
  }

  @AfterEach
  void closeCaches() {
    built.forEach(MultiLevelCache::close);
  }

  private MultiLevelCache<String, String> strata(String name, InMemoryTier.Store store) {
    MultiLevelCache<String, String> cache =
        MultiLevelCache.<String, String>builder(name)
            .ticker(ticker)
            .executor(Runnable::run)
            .ttl(Duration.ofMinutes(10))
            .loader(key -> "v")
            .tier(Tiers.capturing("redis", store))
            .build();
    built.add(cache);
    return cache;
  }

  @Test
  void twoStrataCachesAndACaffeineCache_scrapeTogether() {
    MultiLevelCache<String, String> users =
        StrataCacheMetrics.monitor(registry, strata("users", new InMemoryTier.Store()));
    Cache<String, String> sessions = Caffeine.newBuilder().recordStats().build();
    CaffeineCacheMetrics.monitor(registry, sessions, "sessions");
    MultiLevelCache<String, String> orders =
        StrataCacheMetrics.monitor(registry, strata("orders", new InMemoryTier.Store()));
    for (MultiLevelCache<String, String> cache : List.of(users, orders)) {
      cache.get("a");
      cache.get("a");
    }
    sessions.get("a", key -> "v");
    sessions.get("a", key -> "v");

    String scrape = registry.scrape();

    assertThat(refused).isEmpty();
    assertThat(scrape)
        .contains("cache_gets_total{cache=\"users\",result=\"hit\"} 1.0")
        .contains("cache_gets_total{cache=\"orders\",result=\"hit\"} 1.0")
        .contains("cache_gets_total{cache=\"sessions\",result=\"hit\"} 1.0")
        .contains("cache_tier_gets_total{cache=\"users\",result=\"hit\",tier=\"local\"} 1.0")
        .contains("cache_tier_gets_total{cache=\"orders\",result=\"miss\",tier=\"redis\"} 1.0")
        .contains("cache_loads_seconds_count{cache=\"users\",result=\"success\"} 1")
        .contains(
            "cache_tier_latency_seconds_count{cache=\"users\",operation=\"get\",tier=\"redis\"} 1")
        .contains("cache_tier_health{cache=\"orders\",tier=\"redis\"} 0.0")
        .doesNotContain("cache_tier_latency_seconds_bucket");
  }

  // The README's snippet is copied from here: keep it compiling.
  @Test
  void readmeHistogramFilter_publishesLatencyBuckets_forHistogramQuantile() {
    // --- README histogram snippet begins
    registry
        .config()
        .meterFilter(
            new MeterFilter() {
              @Override
              public DistributionStatisticConfig configure(
                  Meter.Id id, DistributionStatisticConfig config) {
                if (id.getName().equals("cache.tier.latency")) {
                  return DistributionStatisticConfig.builder()
                      .percentilesHistogram(true)
                      .minimumExpectedValue((double) Duration.ofMillis(1).toNanos())
                      .maximumExpectedValue((double) Duration.ofSeconds(1).toNanos())
                      .build()
                      .merge(config);
                }
                return config;
              }
            });
    // --- README histogram snippet ends
    MultiLevelCache<String, String> users =
        StrataCacheMetrics.monitor(registry, strata("users", new InMemoryTier.Store()));
    users.get("a");

    String scrape = registry.scrape();

    assertThat(refused).isEmpty();
    assertThat(scrape)
        .contains(
            "cache_tier_latency_seconds_bucket{cache=\"users\",operation=\"get\","
                + "tier=\"redis\",le=\"+Inf\"} 1")
        .doesNotContain("cache_loads_seconds_bucket");
  }
}
