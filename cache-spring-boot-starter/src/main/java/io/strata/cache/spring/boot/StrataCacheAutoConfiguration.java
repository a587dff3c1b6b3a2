package io.strata.cache.spring.boot;

import io.strata.cache.MultiLevelCacheBuilder;
import io.strata.cache.redis.RedisCacheClient;
import io.strata.cache.spring.CacheKeyConverter;
import io.strata.cache.spring.StrataCacheManager;
import io.strata.cache.spring.StrataCacheSpec;
import io.strata.cache.spring.boot.internal.BootCacheManagerCustomizers;
import io.strata.cache.spring.boot.internal.PropertiesCacheSpec;
import io.strata.cache.spring.boot.internal.RedisLocation;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.cache.CacheManager;
import org.springframework.cache.interceptor.CacheAspectSupport;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Provides the application's {@link CacheManager}: a {@link StrataCacheManager} configured by
 * {@code strata.cache.*}, with a Redis tier when {@code spring.data.redis.*} or {@code
 * strata.cache.redis.*} says where Redis is.
 *
 * <p>Active when caching is enabled ({@code @EnableCaching}), the application defines no {@code
 * CacheManager} (nor a {@code cacheResolver}) of its own, {@code strata.cache.enabled} is not
 * false, and {@code spring.cache.type} is not set: setting it hands the choice back to Boot's own
 * cache auto-configuration. Runs before Boot's, so Boot's backs off. A {@link CacheKeyConverter}
 * bean replaces the default key conversion; {@link StrataCacheManagerBuilderCustomizer} beans
 * adjust the manager's builder, {@link StrataCacheBuilderCustomizer} beans each cache's builder,
 * and Boot's own {@code CacheManagerCustomizer<StrataCacheManager>} beans the built manager, as
 * Boot applies them to the managers it makes.
 */
@AutoConfiguration(beforeName = "org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration")
@ConditionalOnClass({CacheManager.class, StrataCacheManager.class})
@ConditionalOnBean(CacheAspectSupport.class)
@ConditionalOnMissingBean(value = CacheManager.class, name = "cacheResolver")
@ConditionalOnBooleanProperty(name = "strata.cache.enabled", matchIfMissing = true)
@Conditional(StrataCacheAutoConfiguration.NoSpringCacheType.class)
@EnableConfigurationProperties(StrataCacheProperties.class)
public class StrataCacheAutoConfiguration {

  /** Created by Spring Boot from the auto-configuration imports. */
  public StrataCacheAutoConfiguration() {}


  /** The manager; closed (with its caches) when the context closes. */
  @Bean
  StrataCacheManager cacheManager(
      StrataCacheProperties properties,
      ObjectProvider<RedisCacheClient> redis,
      ObjectProvider<CacheKeyConverter> keyConverter,
      ObjectProvider<StrataCacheManagerBuilderCustomizer> managerCustomizers,
      ObjectProvider<StrataCacheBuilderCustomizer> cacheCustomizers,
      Environment environment,
      BeanFactory beanFactory) {
    PropertiesCacheSpec spec =
        new PropertiesCacheSpec(properties, redis.getIfAvailable(), jsonMapper(beanFactory));
    spec.validate();
    List<StrataCacheBuilderCustomizer> perCache = cacheCustomizers.orderedStream().toList();
    StrataCacheSpec customized =
        perCache.isEmpty()
            ? spec
            : new StrataCacheSpec() {
                @Override
                public MultiLevelCacheBuilder<String, Object> builder(String name) {
                  MultiLevelCacheBuilder<String, Object> builder = spec.builder(name);
                  perCache.forEach(customizer -> customizer.customize(name, builder));
                  return builder;
                }

                @Override
                public @Nullable Duration nullValueTtl(String name) {
                  return spec.nullValueTtl(name);
                }
              };
    StrataCacheManager.Builder builder =
        StrataCacheManager.builder(customized).allowNullValues(properties.isAllowNullValues());
    keyConverter.ifUnique(builder::keyConverter);
    List<String> names = properties.getCacheNames();
    if (names.isEmpty()) {
      names =
          Binder.get(environment)
              .bind("spring.cache.cache-names",
                  Bindable.listOf(String.class))
              .orElse(List.of());
    }
    if (!names.isEmpty()) {
      builder.cacheNames(names);
    }
    managerCustomizers.orderedStream().forEach(customizer -> customizer.customize(builder));
    StrataCacheManager manager = builder.build();
    ClassLoader classLoader =
        beanFactory instanceof ConfigurableBeanFactory configurable
                && configurable.getBeanClassLoader() != null
            ? configurable.getBeanClassLoader()
            : StrataCacheAutoConfiguration.class.getClassLoader();
    if (BootCacheManagerCustomizers.present(classLoader)) {
      BootCacheManagerCustomizers.apply(beanFactory, manager);
    }
    return manager;
  }

  private static @Nullable Object jsonMapper(BeanFactory beanFactory) {
    String type = "tools.jackson.databind.json.JsonMapper";
    try {
      Class<?> mapperType = Class.forName(type, false, StrataCacheAutoConfiguration.class.getClassLoader());
      return beanFactory.getBeanProvider(mapperType).getIfUnique();
    } catch (ClassNotFoundException | LinkageError e) {
      return null;
    }
  }

  /** The Redis client every cache's tier shares, when Redis is configured. */
  @Configuration(proxyBeanMethods = false)
  @Conditional(RedisConfigured.class)
  static class RedisTierConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    RedisCacheClient strataRedisCacheClient(
        StrataCacheProperties properties,
        Environment environment,
        ObjectProvider<SslBundles> sslBundles) {
      return RedisCacheClient.create(
          RedisLocation.options(properties.getRedis(), environment, sslBundles.getIfAvailable()));
    }
  }

  /** Boot's cache metrics for Strata caches, when Micrometer and cache-metrics are present. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(
      name = {
        "org.springframework.boot.cache.metrics.CacheMeterBinderProvider",
        "io.strata.cache.metrics.StrataCacheMetrics",
        "io.micrometer.core.instrument.MeterRegistry"
      })
  static class MetricsConfiguration {
    @Bean
    @ConditionalOnMissingBean
    StrataCacheMeterBinderProvider strataCacheMeterBinderProvider() {
      return new StrataCacheMeterBinderProvider();
    }
  }

  /** The health contributor {@code strataCache}, when Boot's health support is present. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
  static class HealthConfiguration {
    @Bean
    @ConditionalOnMissingBean
    StrataCacheHealthIndicator strataCacheHealthIndicator(
        StrataCacheManager cacheManager, ObjectProvider<RedisCacheClient> redis) {
      return new StrataCacheHealthIndicator(cacheManager, redis.getIfAvailable());
    }
  }

  /** Matches when {@code spring.cache.type} is not set. */
  static final class NoSpringCacheType extends SpringBootCondition {
    @Override
    public ConditionOutcome getMatchOutcome(
        ConditionContext context, AnnotatedTypeMetadata metadata) {
      String type = context.getEnvironment().getProperty("spring.cache.type");
      return type == null
          ? ConditionOutcome.match("spring.cache.type is not set")
          : ConditionOutcome.noMatch("spring.cache.type is " + type + ": Boot chooses the cache");
    }
  }

  /** Matches when the Redis tier is on (see {@link StrataCacheProperties.Redis#getEnabled()}). */
  static final class RedisConfigured extends SpringBootCondition {
    @Override
    public ConditionOutcome getMatchOutcome(
        ConditionContext context, AnnotatedTypeMetadata metadata) {
      return RedisLocation.enabled(context.getEnvironment())
          ? ConditionOutcome.match("a Redis location is configured")
          : ConditionOutcome.noMatch("no Redis location is configured");
    }
  }
}
