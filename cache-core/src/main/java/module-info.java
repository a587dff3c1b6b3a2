/**
 * Strata's core: the {@link io.strata.cache.MultiLevelCache} API, the tier SPI, the Caffeine local
 * tier, codecs and the cache-aside decorator. Only the API packages are exported; the engine
 * ({@code internal} packages) is not. The Jackson codecs need their Jackson on the module path,
 * and a value class read by them must be open to that Jackson module.
 */
module io.strata.cache.core {
  requires com.github.benmanes.caffeine;
  requires org.slf4j;
  requires static transitive org.jspecify;
  requires static com.fasterxml.jackson.databind;
  requires static tools.jackson.databind;

  exports io.strata.cache;
  exports io.strata.cache.aside;
  exports io.strata.cache.codec;
}
