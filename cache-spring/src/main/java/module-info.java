/**
 * Spring's cache abstraction over Strata. Only {@code io.strata.cache.spring} is exported. Spring
 * Framework has no module descriptors: it is read as automatic modules ({@code spring.context}).
 */
@SuppressWarnings({"requires-transitive-automatic", "requires-automatic"})
module io.strata.cache.spring {
  requires transitive io.strata.cache.core;
  requires transitive spring.context;
  requires static transitive org.jspecify;

  exports io.strata.cache.spring;
}
