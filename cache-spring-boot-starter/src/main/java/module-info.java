/**
 * Spring Boot auto-configuration of Strata caches. Only {@code io.strata.cache.spring.boot} is
 * exported; {@code io.strata.cache.spring.boot.internal} may change without notice. Spring
 * Framework and Spring Boot have no module descriptors: they are read as automatic modules ({@code
 * spring.boot.autoconfigure}, ...). The exported package is also opened to Spring, which builds the
 * auto-configuration's package-private nested configurations and bean methods reflectively.
 * Spring Boot's cache, health and Micrometer support, cache-metrics and Jackson 3 are optional
 * ({@code requires static}): each part that needs one is switched on only when it is present.
 */
@SuppressWarnings({"requires-transitive-automatic", "requires-automatic"})
module io.strata.cache.spring.boot {
  requires transitive io.strata.cache.spring;
  requires transitive io.strata.cache.redis;
  requires transitive spring.boot;
  requires transitive spring.boot.autoconfigure;
  requires spring.beans;
  requires spring.core;
  requires static transitive spring.boot.cache;
  requires static transitive spring.boot.health;
  requires static io.strata.cache.metrics;
  requires static transitive micrometer.core;
  requires static tools.jackson.databind;
  requires static transitive org.jspecify;

  exports io.strata.cache.spring.boot;

  opens io.strata.cache.spring.boot to
      spring.core,
      spring.beans,
      spring.context;
}
