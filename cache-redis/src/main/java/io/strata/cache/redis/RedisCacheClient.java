package io.strata.cache.redis;

import io.strata.cache.redis.internal.RedisLink;
import java.util.Objects;

/**
 * A connection to Redis shared by many caches: one Lettuce client and one multiplexed connection
 * that every {@link RedisTier} built on it pipelines commands on. Create one per Redis deployment
 * and application, pass it to {@link RedisTier#builder}, and close it after the caches.
 *
 * <p>Creating it never blocks nor fails because Redis is down: the connection is opened in the
 * background and retried, and caches work from their other levels meanwhile.
 *
 * <pre>{@code
 * RedisCacheClient redis = RedisCacheClient.create("redis://localhost:6379");
 * MultiLevelCache<String, Tile> tiles = MultiLevelCache.<String, Tile>builder("tiles")
 *     .tier(RedisTier.factory(redis, Codec.json(Tile.class)))
 *     .loader(upstream::fetch)
 *     .build();
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class RedisCacheClient implements AutoCloseable {

  private final RedisConnectionOptions options;
  private final RedisLink link;

  private RedisCacheClient(RedisConnectionOptions options) {
    this.options = options;
    this.link =
        new RedisLink(
            new RedisLink.Settings(
                options.topology() == RedisConnectionOptions.Topology.CLUSTER,
                options.topology() == RedisConnectionOptions.Topology.SENTINEL,
                options.redisUris(),
                () -> options.redisUris().get(0),
                options.trustedCertificates(),
                options.trustManagerFactory(),
                options.keyManagerFactory(),
                options.connectTimeout(),
                options.commandTimeout(),
                options.requestQueueSize(),
                options.heartbeatInterval(),
                options.heartbeatTimeout(),
                options.toString()));
  }

  /**
   * Returns a client for the server at {@code uri} ({@code redis://[[user:]password@]host[:port]}
   * or {@code rediss://...}) with the default options.
   *
   * @throws IllegalArgumentException if the URI is not a valid redis:// or rediss:// URI
   */
  public static RedisCacheClient create(String uri) {
    return create(RedisConnectionOptions.standalone(uri).build());
  }

  /** Returns a client for the deployment {@code options} describe. */
  public static RedisCacheClient create(RedisConnectionOptions options) {
    return new RedisCacheClient(Objects.requireNonNull(options, "options"));
  }

  /** Returns the options this client was created with. */
  public RedisConnectionOptions options() {
    return options;
  }

  /**
   * Returns whether the connection to Redis is open now. Caches work either way; this is for
   * health checks and for tests that need Redis in use.
   */
  public boolean isConnected() {
    var connection = link.connection();
    return connection != null && connection.isOpen();
  }

  /**
   * Returns the state of each connection on which this client hears invalidations (one per
   * master; none before the first Redis tier is built), for health endpoints.
   */
  public java.util.List<InvalidationStatus> invalidationStatus() {
    return link.trackingStatus();
  }

  RedisLink link() {
    return link;
  }

  /**
   * Closes the connection and releases the client's threads. Tiers built on this client fail
   * (and so are skipped by their caches) afterwards. Idempotent.
   */
  @Override
  public void close() {
    link.close();
  }

  @Override
  public String toString() {
    return "RedisCacheClient{" + options + '}';
  }
}
