/** Strata's HTTP loader on the JDK's HTTP client. The {@code internal} package is not exported. */
module io.strata.cache.http {
  requires transitive io.strata.cache.core;
  requires transitive java.net.http;
  requires static transitive org.jspecify;

  exports io.strata.cache.http;
}
