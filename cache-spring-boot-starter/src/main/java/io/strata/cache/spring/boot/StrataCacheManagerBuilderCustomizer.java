package io.strata.cache.spring.boot;

import io.strata.cache.spring.StrataCacheManager;

/**
 * Adjusts the {@link StrataCacheManager.Builder} of the auto-configured manager, after {@code
 * strata.cache.*} is applied and before the manager is built: the place for settings the
 * properties do not cover (an executor for {@code retrieve}, a key converter). Beans of this type
 * are applied in their {@code @Order}.
 *
 * <pre>{@code
 * @Bean
 * StrataCacheManagerBuilderCustomizer retrieveOnVirtualThreads() {
 *   return builder -> builder.executor(Executors.newVirtualThreadPerTaskExecutor());
 * }
 * }</pre>
 *
 * <p>An option the properties already set is rejected as the builder rejects any second setting
 * (for instance {@code cacheNames} when {@code strata.cache.cache-names} is set).
 */
@FunctionalInterface
public interface StrataCacheManagerBuilderCustomizer {

  /** Adjusts {@code builder}; called once, at startup. */
  void customize(StrataCacheManager.Builder builder);
}
