/** Strata's Micrometer binding. The {@code internal} package is not exported. */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"}) // Micrometer: no descriptor yet.
module io.strata.cache.metrics {
  requires transitive io.strata.cache.core;
  requires transitive micrometer.core;
  requires static transitive org.jspecify;

  exports io.strata.cache.metrics;
}
