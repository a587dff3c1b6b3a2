package io.strata.cache.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.cache.spring.StrataCache;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.cache.actuate.endpoint.CachesEndpoint;
import org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration;
import org.springframework.boot.cache.autoconfigure.metrics.CacheMetricsAutoConfiguration;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Strata caches in Boot's caches endpoint, cache metrics and health. */
class ActuatorTest {

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  StrataCacheAutoConfiguration.class,
                  CacheAutoConfiguration.class,
                  CacheMetricsAutoConfiguration.class))
          .withUserConfiguration(App.class)
          .withPropertyValues("strata.cache.cache-names=books,authors");

  @Configuration(proxyBeanMethods = false)
  @EnableCaching
  static class App {
    @Bean
    MeterRegistry meterRegistry() {
      return new SimpleMeterRegistry();
    }
  }

  @Test
  void cachesEndpoint_listsStrataCaches() {
    runner.run(
        context -> {
          CachesEndpoint endpoint = new CachesEndpoint(context.getBeansOfType(CacheManager.class));
          assertThat(endpoint.caches().getCacheManagers().get("cacheManager").getCaches())
              .containsOnlyKeys("books", "authors");
          assertThat(endpoint.cache("books", null).getTarget())
              .contains("MultiLevelCache").doesNotContain("StrataCache");
        });
  }

  @Test
  void cacheMetrics_boundByBootsRegistrar_withMicrometersNames() {
    runner.run(
        context -> {
          assertThat(context).hasSingleBean(StrataCacheMeterBinderProvider.class);
          CacheManager manager = context.getBean(CacheManager.class);
          StrataCache books = (StrataCache) manager.getCache("books");
          books.put("k", "v");
          books.get("k");
          books.get("absent");
          MeterRegistry registry = context.getBean(MeterRegistry.class);
          assertThat(
                  registry.get("cache.gets")
                      .tags("cache", "books", "cache.manager", "cacheManager", "result", "hit")
                      .functionCounter()
                      .count())
              .isEqualTo(1.0);
          assertThat(registry.get("cache.gets").tags("cache", "authors").meters()).isNotEmpty();
        });
  }

  @Test
  void health_upWithEachCachesTiers() {
    runner.run(
        context -> {
          StrataCacheHealthIndicator health = context.getBean(StrataCacheHealthIndicator.class);
          assertThat(health.health().getStatus()).isEqualTo(Status.UP);
          assertThat(health.health().getDetails()).containsKey("caches");
          assertThat(health.health().getDetails().toString()).contains("books").contains("UP");
        });
  }
}
