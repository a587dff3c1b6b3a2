package io.strata.cache.redis;

import java.util.List;
import java.util.Objects;

/**
 * The state of one connection on which a {@link RedisCacheClient} hears invalidations (one per
 * master), for health endpoints and tests. Immutable.
 *
 * @param node the master, {@code host:port} (or the Sentinel master's name)
 * @param state {@code ARMED} (tracking on, heartbeats answered), {@code STALLED} (a heartbeat
 *     missed its deadline: local tiers are degraded) or {@code DOWN} (not connected, or tracking
 *     not yet re-armed: local tiers are degraded)
 * @param serverFlags the tracking flags the server reported for the connection when it was last
 *     armed ({@code CLIENT TRACKINGINFO}), such as {@code on} and {@code bcast}; empty if never
 * @param serverPrefixes the prefixes the server reported as tracked for the connection
 */
public record InvalidationStatus(
    String node, String state, List<String> serverFlags, List<String> serverPrefixes) {

  /**
   * Creates a status; the flag and prefix lists are copied.
   *
   * @throws NullPointerException if any component is null
   */
  public InvalidationStatus {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(state, "state");
    serverFlags = List.copyOf(serverFlags);
    serverPrefixes = List.copyOf(serverPrefixes);
  }
}
