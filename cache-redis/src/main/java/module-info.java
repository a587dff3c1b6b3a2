/** Strata's Redis tier on Lettuce. The {@code internal} package is not exported. */
@SuppressWarnings("requires-automatic") // Lettuce and Reactor have no descriptor yet.
module io.strata.cache.redis {
  requires transitive io.strata.cache.core;
  requires lettuce.core;
  requires reactor.core;
  requires io.netty.buffer;
  requires io.netty.common;
  requires io.netty.transport;
  requires io.netty.handler;
  requires org.slf4j;
  requires static transitive org.jspecify;

  exports io.strata.cache.redis;
}
