package io.strata.cache.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.Ticker;
import io.strata.cache.spring.StrataCacheManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration;
import org.springframework.boot.cache.autoconfigure.CacheManagerCustomizer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.concurrent.ConcurrentMapCacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

/** Customizer beans: of the manager's builder, of each cache's builder, and Boot's own. */
class CustomizersTest {

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(StrataCacheAutoConfiguration.class, CacheAutoConfiguration.class))
          .withUserConfiguration(CachingOn.class);

  @Configuration(proxyBeanMethods = false)
  @EnableCaching
  static class CachingOn {}

  /** Two manager customizers, in their @Order: the later one's setting wins. */
  @Configuration(proxyBeanMethods = false)
  static class ManagerCustomizers {
    static final List<String> CALLS = new ArrayList<>();

    @Bean
    @Order(2)
    StrataCacheManagerBuilderCustomizer second() {
      return builder -> {
        CALLS.add("second");
        builder.allowNullValues(false);
      };
    }

    @Bean
    @Order(1)
    StrataCacheManagerBuilderCustomizer first() {
      return builder -> {
        CALLS.add("first");
        builder.allowNullValues(true);
      };
    }
  }

  @Test
  void managerBuilderCustomizers_applyInOrder_afterTheProperties() {
    ManagerCustomizers.CALLS.clear();
    runner
        .withUserConfiguration(ManagerCustomizers.class)
        .withPropertyValues("strata.cache.allow-null-values=true")
        .run(context -> {
          assertThat(ManagerCustomizers.CALLS).containsExactly("first", "second");
          assertThat(context.getBean(StrataCacheManager.class).isAllowNullValues()).isFalse();
        });
  }

  /** A hand-moved clock for the books cache only. */
  @Configuration(proxyBeanMethods = false)
  static class BooksOnAFakeClock {
    static final AtomicLong NANOS = new AtomicLong();

    @Bean
    StrataCacheBuilderCustomizer booksTicker() {
      Ticker ticker = NANOS::get;
      return (name, builder) -> {
        if (name.equals("books")) {
          builder.ticker(ticker);
        }
      };
    }
  }

  @Test
  void cacheBuilderCustomizer_adjustsTheCacheItNames_onTopOfItsProperties() {
    runner
        .withUserConfiguration(BooksOnAFakeClock.class)
        .withPropertyValues("strata.cache.caches.books.ttl=1m", "strata.cache.caches.films.ttl=1m")
        .run(context -> {
          CacheManager manager = context.getBean(CacheManager.class);
          Cache books = manager.getCache("books");
          Cache films = manager.getCache("films");
          books.put("k", "v");
          films.put("k", "v");
          BooksOnAFakeClock.NANOS.addAndGet(Duration.ofMinutes(2).toNanos());
          // Books run on the fake clock, past their 1-minute TTL; films on the real one.
          assertThat(books.get("k")).isNull();
          assertThat(films.get("k")).isNotNull();
        });
  }

  @Test
  void cacheBuilderCustomizer_appliesToCachesBuiltAtStartup_forFixedNames() {
    List<String> names = new ArrayList<>();
    runner
        .withBean(StrataCacheBuilderCustomizer.class, () -> (name, builder) -> names.add(name))
        .withPropertyValues("strata.cache.cache-names=books,films")
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(names).containsExactly("books", "films");
        });
  }

  @Test
  void cacheBuilderCustomizer_thatRepeatsAPropertysSetting_failsAtStartup() {
    runner
        .withBean(StrataCacheBuilderCustomizer.class,
            () -> (name, builder) -> builder.maximumSize(5))
        .withPropertyValues("strata.cache.cache-names=books", "strata.cache.defaults.maximum-size=10")
        .run(context -> assertThat(context).hasFailed()
            .getFailure().rootCause().hasMessageContaining("maximumSize was already set to 10"));
  }

  /** Boot's own customizers: one for Strata's manager, one for another type. */
  @Configuration(proxyBeanMethods = false)
  static class BootCustomizers {
    static final List<Object> SEEN = new ArrayList<>();

    @Bean
    CacheManagerCustomizer<StrataCacheManager> strataCustomizer() {
      return manager -> {
        SEEN.add(manager);
        manager.getCache("warmed"); // built before the first request
      };
    }

    @Bean
    CacheManagerCustomizer<ConcurrentMapCacheManager> otherCustomizer() {
      return manager -> SEEN.add("not for Strata");
    }
  }

  @Test
  void bootsCacheManagerCustomizer_ofStrataCacheManager_isApplied_andOthersAreNot() {
    BootCustomizers.SEEN.clear();
    runner
        .withUserConfiguration(BootCustomizers.class)
        .run(context -> {
          StrataCacheManager manager = context.getBean(StrataCacheManager.class);
          assertThat(BootCustomizers.SEEN).containsExactly(manager);
          assertThat(manager.getCacheNames()).contains("warmed");
        });
  }

  @Test
  void withoutSpringBootCache_onTheClassPath_theManagerIsStillMade() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(StrataCacheAutoConfiguration.class))
        .withUserConfiguration(CachingOn.class)
        .withClassLoader(new org.springframework.boot.test.context.FilteredClassLoader(
            "org.springframework.boot.cache.autoconfigure"))
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context).hasSingleBean(StrataCacheManager.class);
        });
  }
}
