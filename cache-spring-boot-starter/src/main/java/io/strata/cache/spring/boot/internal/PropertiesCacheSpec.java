package io.strata.cache.spring.boot.internal;

import io.strata.cache.MultiLevelCache;
import io.strata.cache.MultiLevelCacheBuilder;
import io.strata.cache.RefreshAhead;
import io.strata.cache.TtlPolicy;
import io.strata.cache.redis.KeyMapper;
import io.strata.cache.redis.RedisCacheClient;
import io.strata.cache.redis.RedisTier;
import io.strata.cache.spring.NullValueCodec;
import io.strata.cache.spring.StrataCacheSpec;
import io.strata.cache.spring.boot.StrataCacheProperties;
import io.strata.cache.spring.boot.StrataCacheProperties.Spec;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Builds each cache from {@code strata.cache.defaults} overridden by {@code
 * strata.cache.caches.<name>}, with a Redis tier when a client is given. Every setting is checked
 * at startup ({@link #validate()}), each failure naming its property.
 */
public final class PropertiesCacheSpec implements StrataCacheSpec {

  private static final String PREFIX = "strata.cache.";

  private final StrataCacheProperties properties;
  private final @Nullable RedisCacheClient redis;
  private final @Nullable Object jsonMapper;

  public PropertiesCacheSpec(
      StrataCacheProperties properties,
      @Nullable RedisCacheClient redis,
      @Nullable Object jsonMapper) {
    this.properties = properties;
    this.redis = redis;
    this.jsonMapper = jsonMapper;
  }

  /**
   * Checks the defaults and every per-cache spec by building a local-only cache of each.
   *
   * @throws InvalidConfigurationPropertyValueException naming the first bad property
   */
  public void validate() {
    Spec defaults = properties.getDefaults();
    check("defaults", () -> local("defaults", defaults, new Spec()).build().close());
    for (Map.Entry<String, Spec> entry : properties.getCaches().entrySet()) {
      String name = entry.getKey();
      String path = "caches." + name;
      try {
        MultiLevelCache.builder(name);
      } catch (IllegalArgumentException e) {
        throw new InvalidConfigurationPropertyValueException(PREFIX + path, name, e.getMessage());
      }
      check(path, () -> local(name, entry.getValue(), defaults).build().close());
      if (redis != null && usesRedis(entry.getValue())) {
        valueType(name); // fails now if missing
      }
    }
    if (redis != null && properties.getDefaults().getValueType() == null) {
      for (String name : properties.getCacheNames()) {
        if (!properties.getCaches().containsKey(name)) {
          valueType(name);
        }
      }
    }
  }

  @Override
  public MultiLevelCacheBuilder<String, Object> builder(String name) {
    Spec own = properties.getCaches().getOrDefault(name, new Spec());
    MultiLevelCacheBuilder<String, Object> builder = local(name, own, properties.getDefaults());
    if (redis != null && usesRedis(own)) {
      Class<?> type = valueType(name);
      builder.tier(
          RedisTier.builder(
                  redis,
                  KeyMapper.strings(),
                  NullValueCodec.wrap(ValueCodecs.forType(type, jsonMapper)))
              .prefix(properties.getRedis().getPrefix())
              .build());
    }
    return builder;
  }

  @Override
  public @Nullable Duration nullValueTtl(String name) {
    return pick(properties.getCaches().get(name), Spec::getNegativeTtl);
  }

  private boolean usesRedis(Spec own) {
    Boolean flag = own.getRedis() != null ? own.getRedis() : properties.getDefaults().getRedis();
    return flag == null || flag;
  }

  private Class<?> valueType(String name) {
    Class<?> type = pick(properties.getCaches().get(name), Spec::getValueType);
    if (type == null) {
      throw new InvalidConfigurationPropertyValueException(
          PREFIX + "caches." + name + ".value-type",
          null,
          "cache '" + name + "' has a Redis tier, whose JSON codec is bound to one type (no"
              + " default typing: Redis bytes are untrusted). Set it, or "
              + PREFIX + "defaults.value-type, or " + PREFIX + "caches." + name
              + ".redis=false to keep the cache local");
    }
    return type;
  }

  private <T> @Nullable T pick(@Nullable Spec own, Function<Spec, @Nullable T> field) {
    T value = own == null ? null : field.apply(own);
    return value != null ? value : field.apply(properties.getDefaults());
  }

  private MultiLevelCacheBuilder<String, Object> local(String name, Spec own, Spec defaults) {
    String path = own == properties.getDefaults() ? "defaults." : "caches." + name + ".";
    MultiLevelCacheBuilder<String, Object> builder =
        MultiLevelCache.builder("defaults".equals(name) && own == properties.getDefaults() ? "defaults" : name);
    Duration ttl = first(own.getTtl(), defaults.getTtl());
    Double jitter = first(own.getJitter(), defaults.getJitter());
    if (jitter != null) {
      Duration base = ttl != null ? ttl : MultiLevelCacheBuilder.DEFAULT_TTL;
      set(path + (own.getJitter() != null ? "jitter" : "ttl"), jitter,
          () -> builder.ttlPolicy(TtlPolicy.<String, Object>fixed(base).withJitter(jitter)));
    } else if (ttl != null) {
      set(path + "ttl", ttl, () -> builder.ttl(ttl));
    }
    Long maximumSize = first(own.getMaximumSize(), defaults.getMaximumSize());
    if (maximumSize != null) {
      set(path + "maximum-size", maximumSize, () -> builder.maximumSize(maximumSize));
    }
    Duration localTtl = first(own.getLocalTtl(), defaults.getLocalTtl());
    if (localTtl != null) {
      set(path + "local-ttl", localTtl, () -> builder.localTtl(localTtl));
    }
    Duration negativeTtl = first(own.getNegativeTtl(), defaults.getNegativeTtl());
    if (negativeTtl != null) {
      set(path + "negative-ttl", negativeTtl, () -> builder.negativeTtl(negativeTtl));
    }
    Duration staleIfError = first(own.getStaleIfError(), defaults.getStaleIfError());
    if (staleIfError != null) {
      set(path + "stale-if-error", staleIfError, () -> builder.staleIfError(staleIfError));
    }
    Duration swr = first(own.getStaleWhileRevalidate(), defaults.getStaleWhileRevalidate());
    if (swr != null) {
      set(path + "stale-while-revalidate", swr, () -> builder.staleWhileRevalidate(swr));
    }
    Double refreshAhead = first(own.getRefreshAhead(), defaults.getRefreshAhead());
    if (refreshAhead != null) {
      set(path + "refresh-ahead", refreshAhead,
          () -> builder.refreshAhead(RefreshAhead.atFraction(refreshAhead)));
    }
    return builder;
  }

  private static <T> @Nullable T first(@Nullable T own, @Nullable T fallback) {
    return own != null ? own : fallback;
  }

  private static void check(String path, Runnable build) {
    try {
      build.run();
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new InvalidConfigurationPropertyValueException(PREFIX + path, "(settings)", e.getMessage());
    }
  }

  private static void set(String property, Object value, Runnable setter) {
    try {
      setter.run();
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new InvalidConfigurationPropertyValueException(PREFIX + property, value, e.getMessage());
    }
  }
}
