package io.strata.cache.spring.boot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

/**
 * Settings of the Strata caches behind Spring's {@code @Cacheable}: {@code strata.cache.*}.
 *
 * <p>Every cache is built from {@link #getDefaults() defaults}, overridden field by field by its
 * entry in {@link #getCaches() caches}. A value the cache rejects (a zero TTL, a jitter of 1) fails
 * the application's startup with a message naming the property.
 */
@ConfigurationProperties("strata.cache")
public class StrataCacheProperties {

  /** Creates the settings with their defaults; Spring binds them. */
  public StrataCacheProperties() {}


  /** Whether Strata provides the application's CacheManager. */
  private boolean enabled = true;

  /** Whether null results are cached (as Spring's NullValue marker, for negative-ttl if set). */
  private boolean allowNullValues = true;

  /**
   * The only cache names the manager serves, built at startup. Empty: Boot's spring.cache.cache-names
   * if set, else caches are built on demand, on first use of a name.
   */
  private List<String> cacheNames = new ArrayList<>();

  /** Settings every cache starts from. */
  @NestedConfigurationProperty private Spec defaults = new Spec();

  /** Per-cache settings, by cache name; unset fields come from defaults. */
  private Map<String, Spec> caches = new LinkedHashMap<>();

  /** The Redis tier. */
  @NestedConfigurationProperty private Redis redis = new Redis();

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public boolean isAllowNullValues() {
    return allowNullValues;
  }

  public void setAllowNullValues(boolean allowNullValues) {
    this.allowNullValues = allowNullValues;
  }

  public List<String> getCacheNames() {
    return cacheNames;
  }

  public void setCacheNames(List<String> cacheNames) {
    this.cacheNames = cacheNames;
  }

  public Spec getDefaults() {
    return defaults;
  }

  public void setDefaults(Spec defaults) {
    this.defaults = defaults;
  }

  public Map<String, Spec> getCaches() {
    return caches;
  }

  public void setCaches(Map<String, Spec> caches) {
    this.caches = caches;
  }

  public Redis getRedis() {
    return redis;
  }

  public void setRedis(Redis redis) {
    this.redis = redis;
  }

  /** The settings of one cache. Unset (null) fields take the default's value, then core's. */
  public static class Spec {

    /** Creates a spec with every field unset. */
    public Spec() {}


    /** Time to live of an entry in every tier (core's default: 5 minutes). */
    private @Nullable Duration ttl;

    /** Maximum number of entries in the local tier (core's default: 10,000). */
    private @Nullable Long maximumSize;

    /** Time to live in the local tier, shorter than ttl; bounds staleness if an invalidation is lost. */
    private @Nullable Duration localTtl;

    /** How long a null result is remembered; unset: ttl. */
    private @Nullable Duration negativeTtl;

    /**
     * How long past its TTL a value may still be served when the load fails. Loads with a loader
     * in hand only: @Cacheable(sync = true).
     */
    private @Nullable Duration staleIfError;

    /**
     * How long past its TTL a value is served while it reloads in the background. Loads with a
     * loader in hand only: @Cacheable(sync = true).
     */
    private @Nullable Duration staleWhileRevalidate;

    /**
     * Fraction of an entry's lifetime after which a read reloads it in the background, in (0, 1).
     * Reads with a loader in hand only: @Cacheable(sync = true).
     */
    private @Nullable Double refreshAhead;

    /** Random fraction, in (0, 1), by which each TTL is shortened so keys do not expire together. */
    private @Nullable Double jitter;

    /**
     * Type of the values, for the Redis tier's codec: java.lang.String and byte[] are stored as
     * they are, any other type as JSON bound to it. Required for a cache with a Redis tier.
     */
    private @Nullable Class<?> valueType;

    /** Whether the cache uses the Redis tier when one is configured (default true). */
    private @Nullable Boolean redis;

    public @Nullable Duration getTtl() {
      return ttl;
    }

    public void setTtl(@Nullable Duration ttl) {
      this.ttl = ttl;
    }

    public @Nullable Long getMaximumSize() {
      return maximumSize;
    }

    public void setMaximumSize(@Nullable Long maximumSize) {
      this.maximumSize = maximumSize;
    }

    public @Nullable Duration getLocalTtl() {
      return localTtl;
    }

    public void setLocalTtl(@Nullable Duration localTtl) {
      this.localTtl = localTtl;
    }

    public @Nullable Duration getNegativeTtl() {
      return negativeTtl;
    }

    public void setNegativeTtl(@Nullable Duration negativeTtl) {
      this.negativeTtl = negativeTtl;
    }

    public @Nullable Duration getStaleIfError() {
      return staleIfError;
    }

    public void setStaleIfError(@Nullable Duration staleIfError) {
      this.staleIfError = staleIfError;
    }

    public @Nullable Duration getStaleWhileRevalidate() {
      return staleWhileRevalidate;
    }

    public void setStaleWhileRevalidate(@Nullable Duration staleWhileRevalidate) {
      this.staleWhileRevalidate = staleWhileRevalidate;
    }

    public @Nullable Double getRefreshAhead() {
      return refreshAhead;
    }

    public void setRefreshAhead(@Nullable Double refreshAhead) {
      this.refreshAhead = refreshAhead;
    }

    public @Nullable Double getJitter() {
      return jitter;
    }

    public void setJitter(@Nullable Double jitter) {
      this.jitter = jitter;
    }

    public @Nullable Class<?> getValueType() {
      return valueType;
    }

    public void setValueType(@Nullable Class<?> valueType) {
      this.valueType = valueType;
    }

    public @Nullable Boolean getRedis() {
      return redis;
    }

    public void setRedis(@Nullable Boolean redis) {
      this.redis = redis;
    }
  }

  /**
   * Where the Redis tier is. Unset fields fall back to Boot's own {@code spring.data.redis.*}
   * (url, host, port, database, username, password, ssl.enabled, ssl.bundle, sentinel, cluster).
   */
  public static class Redis {

    /** Creates Redis settings with every field unset but the prefix. */
    public Redis() {}


    /**
     * Whether caches get a Redis tier. Unset: on when strata.cache.redis.url or one of
     * spring.data.redis.url, host, port, sentinel.nodes, cluster.nodes is set.
     */
    private @Nullable Boolean enabled;

    /** redis:// or rediss:// URI of the server; overrides spring.data.redis.*. */
    private @Nullable String url;

    /** ACL user name; overrides spring.data.redis.username. */
    private @Nullable String username;

    /** Password; overrides spring.data.redis.password. */
    private @Nullable String password;

    /**
     * Name of a Spring Boot SSL bundle (spring.ssl.bundle.*) whose trust material, and key if it
     * has one, the TLS connections use; turns TLS on. Overrides spring.data.redis.ssl.bundle.
     */
    private @Nullable String sslBundle;

    /** Text every stored key starts with, before the cache name. */
    private String prefix = "strata:";

    /** Timeout of each Redis command; past it the read skips Redis. */
    private @Nullable Duration commandTimeout;

    /** Timeout of connecting to Redis. */
    private @Nullable Duration connectTimeout;

    public @Nullable Boolean getEnabled() {
      return enabled;
    }

    public void setEnabled(@Nullable Boolean enabled) {
      this.enabled = enabled;
    }

    public @Nullable String getUrl() {
      return url;
    }

    public void setUrl(@Nullable String url) {
      this.url = url;
    }

    public @Nullable String getUsername() {
      return username;
    }

    public void setUsername(@Nullable String username) {
      this.username = username;
    }

    public @Nullable String getPassword() {
      return password;
    }

    public void setPassword(@Nullable String password) {
      this.password = password;
    }

    public @Nullable String getSslBundle() {
      return sslBundle;
    }

    public void setSslBundle(@Nullable String sslBundle) {
      this.sslBundle = sslBundle;
    }

    public String getPrefix() {
      return prefix;
    }

    public void setPrefix(String prefix) {
      this.prefix = prefix;
    }

    public @Nullable Duration getCommandTimeout() {
      return commandTimeout;
    }

    public void setCommandTimeout(@Nullable Duration commandTimeout) {
      this.commandTimeout = commandTimeout;
    }

    public @Nullable Duration getConnectTimeout() {
      return connectTimeout;
    }

    public void setConnectTimeout(@Nullable Duration connectTimeout) {
      this.connectTimeout = connectTimeout;
    }
  }
}
