package io.strata.cache.spring.boot;

import io.strata.cache.TierHealth;
import io.strata.cache.redis.RedisCacheClient;
import io.strata.cache.spring.StrataCache;
import io.strata.cache.spring.StrataCacheManager;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * Health of the Strata caches: each cache's tiers (state and detail) and the Redis client's
 * connection and invalidation tracking. Never {@code DOWN}: a cache whose Redis tier fails still
 * serves from its local tier and the source, so it reports {@link #DEGRADED} instead. Boot's
 * default status order does not know {@code DEGRADED}; add it with {@code
 * management.endpoint.health.status.order=down,out-of-service,degraded,up,unknown} to make it the
 * aggregate.
 */
public final class StrataCacheHealthIndicator implements HealthIndicator {

  /** A cache serves, but a tier of it is degraded or down. */
  public static final Status DEGRADED = new Status("DEGRADED", "a tier is degraded or down");

  private final StrataCacheManager manager;
  private final @Nullable RedisCacheClient redis;

  public StrataCacheHealthIndicator(StrataCacheManager manager, @Nullable RedisCacheClient redis) {
    this.manager = Objects.requireNonNull(manager, "manager");
    this.redis = redis;
  }

  @Override
  public Health health() {
    boolean degraded = false;
    Map<String, Object> caches = new LinkedHashMap<>();
    for (String name : manager.getCacheNames()) {
      StrataCache cache = (StrataCache) manager.getCache(name);
      if (cache == null) {
        continue;
      }
      Map<String, Object> tiers = new LinkedHashMap<>();
      for (Map.Entry<String, TierHealth> tier :
          cache.getNativeCache().advanced().health().entrySet()) {
        TierHealth health = tier.getValue();
        degraded |= health.state() != TierHealth.State.UP;
        tiers.put(
            tier.getKey(),
            health.detail().isEmpty()
                ? health.state().name()
                : health.state().name() + ": " + health.detail());
      }
      caches.put(name, tiers);
    }
    Health.Builder builder = Health.status(Status.UP);
    if (redis != null) {
      boolean connected = redis.isConnected();
      degraded |= !connected;
      builder.withDetail("redis", Map.of(
          "connected", connected,
          "tracking", redis.invalidationStatus().toString()));
    }
    if (degraded) {
      builder.status(DEGRADED);
    }
    return builder.withDetail("caches", caches).build();
  }
}
