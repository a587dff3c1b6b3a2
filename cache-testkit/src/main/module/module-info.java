/**
 * Strata's test kit: the {@link io.strata.cache.testkit.CacheTierCompatibilityKit} for people
 * writing tiers, an in-memory shared tier that notifies like the Redis tier, and hand-moved time.
 * A test dependency. Its descriptor lives outside {@code src/main/java} because cache-core's own
 * tests compile the kit's sources into cache-core's module.
 */
module io.strata.cache.testkit {
  requires transitive io.strata.cache.core;
  requires transitive org.junit.jupiter.api;
  requires org.assertj.core;
  requires static transitive org.jspecify;

  exports io.strata.cache.testkit;
  // JUnit reflects on the kit's test methods, which a user's subclass inherits.
  opens io.strata.cache.testkit to
      org.junit.platform.commons;
}
