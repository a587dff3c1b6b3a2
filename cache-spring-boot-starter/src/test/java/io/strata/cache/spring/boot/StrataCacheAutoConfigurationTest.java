package io.strata.cache.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.redis.RedisCacheClient;
import io.strata.cache.spring.StrataCache;
import io.strata.cache.spring.StrataCacheManager;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.concurrent.ConcurrentMapCacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

class StrataCacheAutoConfigurationTest {

  private ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(StrataCacheAutoConfiguration.class, CacheAutoConfiguration.class))
          .withUserConfiguration(CachingOn.class);

  @Configuration(proxyBeanMethods = false)
  @EnableCaching
  static class CachingOn {}

  @Configuration(proxyBeanMethods = false)
  static class OwnManager {
    @Bean
    CacheManager myCacheManager() {
      return new ConcurrentMapCacheManager();
    }
  }

  @Test
  void cachingEnabled_providesStrataCacheManager_withoutRedis() {
    runner.run(
        context -> {
          assertThat(context).hasSingleBean(StrataCacheManager.class);
          assertThat(context).doesNotHaveBean(RedisCacheClient.class);
          CacheManager manager = context.getBean(CacheManager.class);
          assertThat(manager.getCache("books")).isInstanceOf(StrataCache.class);
          StrataCache books = (StrataCache) manager.getCache("books");
          assertThat(books.getNativeCache().advanced().tierNames()).hasSize(1);
        });
  }

  @Test
  void cachingNotEnabled_noManager() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(StrataCacheAutoConfiguration.class))
        .run(context -> assertThat(context).doesNotHaveBean(CacheManager.class));
  }

  @Test
  void userCacheManager_backsOff() {
    runner
        .withUserConfiguration(OwnManager.class)
        .run(
            context -> {
              assertThat(context).doesNotHaveBean(StrataCacheManager.class);
              assertThat(context.getBean(CacheManager.class))
                  .isInstanceOf(ConcurrentMapCacheManager.class);
            });
  }

  @Test
  void springCacheTypeSet_bootChooses() {
    runner
        .withPropertyValues("spring.cache.type=simple")
        .run(
            context -> {
              assertThat(context).doesNotHaveBean(StrataCacheManager.class);
              assertThat(context.getBean(CacheManager.class))
                  .isInstanceOf(ConcurrentMapCacheManager.class);
            });
  }

  @Test
  void disabled_backsOff() {
    runner
        .withPropertyValues("strata.cache.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(StrataCacheManager.class));
  }

  @Test
  void cacheNames_fixTheCaches() {
    runner
        .withPropertyValues("strata.cache.cache-names=books,authors")
        .run(
            context -> {
              CacheManager manager = context.getBean(CacheManager.class);
              assertThat(manager.getCacheNames()).containsExactly("books", "authors");
              assertThat(manager.getCache("other")).isNull();
            });
  }

  @Test
  void bootsCacheNames_usedWhenStrataHasNone() {
    runner
        .withPropertyValues("spring.cache.cache-names=a,b")
        .run(
            context ->
                assertThat(context.getBean(CacheManager.class).getCacheNames())
                    .containsExactly("a", "b"));
    runner
        .withPropertyValues("spring.cache.cache-names=a,b", "strata.cache.cache-names=c")
        .run(
            context ->
                assertThat(context.getBean(CacheManager.class).getCacheNames())
                    .containsExactly("c"));
  }

  @Test
  void keyConverterBean_isUsed() {
    runner
        .withBean(io.strata.cache.spring.CacheKeyConverter.class, () -> key -> "k-" + key)
        .run(
            context -> {
              StrataCache books = (StrataCache) context.getBean(CacheManager.class).getCache("books");
              assertThat(books.textKey(new Object() {
                    @Override
                    public String toString() {
                      return "x";
                    }
                  }))
                  .isEqualTo("k-x");
            });
  }

  @Test
  void allowNullValues_false_isApplied() {
    runner
        .withPropertyValues("strata.cache.allow-null-values=false")
        .run(
            context ->
                assertThat(context.getBean(StrataCacheManager.class).isAllowNullValues())
                    .isFalse());
  }

  @Test
  void everySpecProperty_accepted() {
    runner
        .withPropertyValues(
            "strata.cache.defaults.ttl=10m",
            "strata.cache.defaults.maximum-size=500",
            "strata.cache.defaults.local-ttl=1m",
            "strata.cache.defaults.negative-ttl=30s",
            "strata.cache.defaults.stale-if-error=1h",
            "strata.cache.defaults.stale-while-revalidate=30s",
            "strata.cache.defaults.refresh-ahead=0.8",
            "strata.cache.defaults.jitter=0.1",
            "strata.cache.caches.books.ttl=1h",
            "strata.cache.caches.books.maximum-size=20")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              CacheManager manager = context.getBean(CacheManager.class);
              manager.getCache("books").put("k", "v");
              assertThat(manager.getCache("books").get("k").get()).isEqualTo("v");
            });
  }

  @Test
  void badDefaultTtl_failsNamingTheProperty() {
    assertStartupFails("strata.cache.defaults.ttl=0s", "strata.cache.defaults.ttl");
  }

  @Test
  void badJitter_failsNamingTheProperty() {
    assertStartupFails("strata.cache.defaults.jitter=1.5", "strata.cache.defaults.jitter");
  }

  @Test
  void badPerCacheLocalTtl_failsNamingTheProperty() {
    assertStartupFails(
        "strata.cache.caches.books.local-ttl=-1s", "strata.cache.caches.books.local-ttl");
  }

  @Test
  void badPerCacheMaximumSize_failsNamingTheProperty() {
    assertStartupFails(
        "strata.cache.caches.books.maximum-size=0", "strata.cache.caches.books.maximum-size");
  }

  @Test
  void badRefreshAhead_failsNamingTheProperty() {
    assertStartupFails("strata.cache.defaults.refresh-ahead=2", "strata.cache.defaults.refresh-ahead");
  }

  @Test
  void badCacheName_failsNamingTheProperty() {
    assertStartupFails("strata.cache.caches[bad name].ttl=1m", "strata.cache.caches.bad name");
  }

  @Test
  void unparsableDuration_failsNamingTheProperty() {
    runner
        .withPropertyValues("strata.cache.defaults.ttl=soon")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("soon"));
    runner
        .withPropertyValues("strata.cache.defaults.ttl=soon")
        .run(
            context ->
                assertThat(context.getStartupFailure())
                    .hasStackTraceContaining("strata.cache.defaults.ttl"));
  }

  @Test
  void redis_onBySpringDataRedisHostAndPort() {
    runner
        .withPropertyValues(
            "spring.data.redis.host=127.0.0.1",
            "spring.data.redis.port=1",
            "strata.cache.defaults.value-type=java.lang.String")
        .run(
            context -> {
              assertThat(context).hasSingleBean(RedisCacheClient.class);
              assertThat(context.getBean(RedisCacheClient.class).options().toString())
                  .contains("127.0.0.1").contains("1");
              StrataCache books = (StrataCache) context.getBean(CacheManager.class).getCache("books");
              assertThat(books.getNativeCache().advanced().tierNames()).hasSize(2);
            });
  }

  @Test
  void redis_onBySpringDataRedisUrl_andStrataUrlWins() {
    runner
        .withPropertyValues(
            "spring.data.redis.url=redis://127.0.0.1:2",
            "strata.cache.defaults.value-type=java.lang.String")
        .run(
            context ->
                assertThat(context.getBean(RedisCacheClient.class).options().toString())
                    .contains(":2"));
    runner
        .withPropertyValues(
            "spring.data.redis.url=redis://127.0.0.1:2",
            "strata.cache.redis.url=redis://127.0.0.1:3",
            "strata.cache.defaults.value-type=java.lang.String")
        .run(
            context ->
                assertThat(context.getBean(RedisCacheClient.class).options().toString())
                    .contains(":3"));
  }

  @Test
  void redis_blankStrataUrl_asFromAnUnsetPlaceholder_isUnset() {
    // strata.cache.redis.url=${REDIS_URL:} without REDIS_URL: no Redis, and Boot's settings win.
    runner
        .withPropertyValues("strata.cache.redis.url=")
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context).doesNotHaveBean(RedisCacheClient.class);
        });
    runner
        .withPropertyValues(
            "strata.cache.redis.url= ",
            "spring.data.redis.url=redis://127.0.0.1:2",
            "strata.cache.defaults.value-type=java.lang.String")
        .run(
            context ->
                assertThat(context.getBean(RedisCacheClient.class).options().toString())
                    .contains(":2"));
  }

  /** An SSL bundle "trust" of an empty trust store, as spring.ssl.bundle.* would register one. */
  @Configuration(proxyBeanMethods = false)
  static class SslBundleOfAnEmptyTrustStore {
    @Bean
    org.springframework.boot.ssl.SslBundles sslBundles() throws Exception {
      java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      org.springframework.boot.ssl.DefaultSslBundleRegistry registry =
          new org.springframework.boot.ssl.DefaultSslBundleRegistry();
      registry.registerBundle("trust", org.springframework.boot.ssl.SslBundle.of(
          org.springframework.boot.ssl.SslStoreBundle.of(null, null, trust)));
      return registry;
    }
  }

  @Test
  void redis_sslBundle_turnsTlsOn_withTheBundlesTrust() {
    runner
        .withUserConfiguration(SslBundleOfAnEmptyTrustStore.class)
        .withPropertyValues(
            "spring.data.redis.host=localhost",
            "spring.data.redis.port=1",
            "spring.data.redis.ssl.bundle=trust",
            "strata.cache.defaults.value-type=java.lang.String")
        .run(context -> {
          io.strata.cache.redis.RedisConnectionOptions options =
              context.getBean(RedisCacheClient.class).options();
          assertThat(options.isTls()).isTrue();
          assertThat(options.toString()).contains("rediss://localhost:1");
          assertThat(options.trustManagerFactory()).isNotNull();
          assertThat(options.keyManagerFactory()).isNull(); // the bundle has no key store
        });
  }

  @Test
  void redis_strataSslBundle_winsOverSpringDataRedis() {
    runner
        .withUserConfiguration(SslBundleOfAnEmptyTrustStore.class)
        .withPropertyValues(
            "spring.data.redis.url=rediss://localhost:1",
            "spring.data.redis.ssl.bundle=missing",
            "strata.cache.redis.ssl-bundle=trust",
            "strata.cache.defaults.value-type=java.lang.String")
        .run(context -> assertThat(
            context.getBean(RedisCacheClient.class).options().trustManagerFactory()).isNotNull());
  }

  @Test
  void redis_unknownSslBundle_failsNamingTheProperty() {
    runner = runner.withUserConfiguration(SslBundleOfAnEmptyTrustStore.class);
    assertStartupFails(
        "spring.data.redis.host=localhost",
        "spring.data.redis.ssl.bundle=nope",
        "strata.cache.defaults.value-type=java.lang.String",
        "spring.data.redis.ssl.bundle");
    assertStartupFails(
        "spring.data.redis.host=localhost",
        "strata.cache.redis.ssl-bundle=nope",
        "strata.cache.defaults.value-type=java.lang.String",
        "strata.cache.redis.ssl-bundle");
  }

  @Test
  void redis_sslBundleWithAPlaintextUrl_failsNamingTheBundle() {
    runner = runner.withUserConfiguration(SslBundleOfAnEmptyTrustStore.class);
    assertStartupFails(
        "spring.data.redis.url=redis://localhost:1",
        "spring.data.redis.ssl.bundle=trust",
        "strata.cache.defaults.value-type=java.lang.String",
        "spring.data.redis.ssl.bundle");
  }

  @Test
  void redis_sslBundleWithoutSslBundlesBean_failsNamingTheProperty() {
    assertStartupFails(
        "spring.data.redis.host=localhost",
        "spring.data.redis.ssl.bundle=trust",
        "strata.cache.defaults.value-type=java.lang.String",
        "spring.data.redis.ssl.bundle");
  }

  @Test
  void redis_sentinelPasswordAndUsername_goToTheSentinels_apartFromTheDataPassword() {
    runner
        .withPropertyValues(
            "spring.data.redis.sentinel.master=mymaster",
            "spring.data.redis.sentinel.nodes=127.0.0.1:1",
            "spring.data.redis.password=data",
            "spring.data.redis.sentinel.username=watcher",
            "spring.data.redis.sentinel.password=guard",
            "strata.cache.defaults.value-type=java.lang.String")
        .run(context -> {
          String options = context.getBean(RedisCacheClient.class).options().toString();
          assertThat(options)
              .contains("SENTINEL")
              .contains("password=***")
              .contains("sentinelUsername=watcher")
              .contains("sentinelPassword=***")
              .doesNotContain("guard")
              .doesNotContain("data,");
        });
  }

  @Test
  void redis_sentinelPassword_withoutSentinel_isIgnored() {
    runner
        .withPropertyValues(
            "spring.data.redis.url=redis://127.0.0.1:1",
            "spring.data.redis.sentinel.password=guard",
            "strata.cache.defaults.value-type=java.lang.String")
        .run(context -> assertThat(context.getBean(RedisCacheClient.class).options().toString())
            .doesNotContain("sentinelPassword"));
  }

  @Test
  void redis_sentinelUsernameWithoutPassword_failsNamingTheProperty() {
    assertStartupFails(
        "spring.data.redis.sentinel.master=mymaster",
        "spring.data.redis.sentinel.nodes=127.0.0.1:1",
        "spring.data.redis.sentinel.username=watcher",
        "strata.cache.defaults.value-type=java.lang.String",
        "spring.data.redis.sentinel.username");
  }

  @Test
  void redis_disabledExplicitly_staysOff() {
    runner
        .withPropertyValues("spring.data.redis.host=127.0.0.1", "strata.cache.redis.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(RedisCacheClient.class));
  }

  @Test
  void redis_perCacheOff_keepsThatCacheLocal() {
    runner
        .withPropertyValues(
            "strata.cache.redis.url=redis://127.0.0.1:1",
            "strata.cache.caches.local.redis=false",
            "strata.cache.caches.shared.value-type=java.lang.String")
        .run(
            context -> {
              CacheManager manager = context.getBean(CacheManager.class);
              assertThat(((StrataCache) manager.getCache("local")).getNativeCache()
                      .advanced().tierNames()).hasSize(1);
              assertThat(((StrataCache) manager.getCache("shared")).getNativeCache()
                      .advanced().tierNames()).hasSize(2);
            });
  }

  @Test
  void redis_cacheWithoutValueType_failsNamingTheProperty() {
    assertStartupFails(
        "strata.cache.redis.url=redis://127.0.0.1:1",
        "strata.cache.caches.books.ttl=1m",
        "strata.cache.caches.books.value-type");
  }

  @Test
  void redis_badUrl_failsNamingTheProperty() {
    assertStartupFails("strata.cache.redis.url=http://example", "strata.cache.redis.url");
  }

  @Test
  void redis_enabledWithoutLocation_usesBootsDefaultLocalhost() {
    runner
        .withPropertyValues(
            "strata.cache.redis.enabled=true", "strata.cache.defaults.value-type=java.lang.String")
        .run(
            context ->
                assertThat(context.getBean(RedisCacheClient.class).options().toString())
                    .contains("localhost:6379"));
  }

  private void assertStartupFails(String... propertiesThenName) {
    String name = propertiesThenName[propertiesThenName.length - 1];
    String[] properties = java.util.Arrays.copyOf(propertiesThenName, propertiesThenName.length - 1);
    runner
        .withPropertyValues(properties)
        .run(
            context -> {
              assertThat(context).hasFailed();
              Throwable failure = context.getStartupFailure();
              while (failure != null
                  && !(failure instanceof InvalidConfigurationPropertyValueException)) {
                failure = failure.getCause();
              }
              assertThat(failure)
                  .as("InvalidConfigurationPropertyValueException in %s", context.getStartupFailure())
                  .isNotNull();
              assertThat(((InvalidConfigurationPropertyValueException) failure).getName())
                  .isEqualTo(name);
            });
  }
}
