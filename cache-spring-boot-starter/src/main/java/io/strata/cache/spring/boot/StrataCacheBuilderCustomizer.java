package io.strata.cache.spring.boot;

import io.strata.cache.MultiLevelCacheBuilder;

/**
 * Adjusts the {@link MultiLevelCacheBuilder} of each cache the auto-configured manager builds,
 * after its {@code strata.cache.*} settings and its Redis tier: the place for what properties
 * cannot say (a third tier, a {@code Writer}, load timeouts, a ticker). Beans of this type are
 * applied in their {@code @Order}, to every cache; look at {@code name} to adjust one.
 *
 * <pre>{@code
 * @Bean
 * StrataCacheBuilderCustomizer booksLoadTimeout() {
 *   return (name, builder) -> {
 *     if (name.equals("books")) {
 *       builder.softLoadTimeout(Duration.ofMillis(200));
 *     }
 *   };
 * }
 * }</pre>
 *
 * <p>Called when the cache is built: at startup for fixed cache names, else on the first use of
 * the name, from the thread that asks for it. The builder must not get a loader: each Spring call
 * brings its own. A setting the properties already made is rejected as any second setting is.
 */
@FunctionalInterface
public interface StrataCacheBuilderCustomizer {

  /** Adjusts {@code builder}, the builder of the cache called {@code name}. */
  void customize(String name, MultiLevelCacheBuilder<String, Object> builder);
}
