package io.strata.cache.spring.boot.internal;

import io.strata.cache.redis.RedisConnectionOptions;
import io.strata.cache.spring.boot.StrataCacheProperties;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.core.env.Environment;

/**
 * Where the Redis tier is: {@code strata.cache.redis.*} first, then Boot's own {@code
 * spring.data.redis.*} (read here by name, so the starter needs no Spring Data Redis).
 */
public final class RedisLocation {

  private static final String BOOT = "spring.data.redis.";

  private RedisLocation() {}

  /** Returns whether the Redis tier is on. */
  public static boolean enabled(Environment environment) {
    Binder binder = Binder.get(environment);
    Boolean enabled = binder.bind("strata.cache.redis.enabled", Boolean.class).orElse(null);
    if (enabled != null) {
      return enabled;
    }
    return has(binder, "strata.cache.redis.url")
        || has(binder, BOOT + "url")
        || has(binder, BOOT + "host")
        || has(binder, BOOT + "port")
        || !list(binder, BOOT + "sentinel.nodes").isEmpty()
        || !list(binder, BOOT + "cluster.nodes").isEmpty();
  }

  /**
   * Returns the connection options the settings describe, without SSL bundles.
   *
   * @throws InvalidConfigurationPropertyValueException if they name no server or a bad one
   */
  public static RedisConnectionOptions options(
      StrataCacheProperties.Redis strata, Environment environment) {
    return options(strata, environment, null);
  }

  /**
   * Returns the connection options the settings describe; a named SSL bundle ({@code
   * strata.cache.redis.ssl-bundle}, else {@code spring.data.redis.ssl.bundle}) comes from {@code
   * bundles} and turns TLS on.
   *
   * @throws InvalidConfigurationPropertyValueException if they name no server or a bad one, or an
   *     SSL bundle that {@code bundles} does not have
   */
  public static RedisConnectionOptions options(
      StrataCacheProperties.Redis strata, Environment environment, @Nullable SslBundles bundles) {
    Binder binder = Binder.get(environment);
    String username = strata.getUsername() != null ? strata.getUsername() : string(binder, BOOT + "username");
    String password = strata.getPassword() != null ? strata.getPassword() : string(binder, BOOT + "password");
    String bundleProperty = blank(strata.getSslBundle()) ? BOOT + "ssl.bundle" : "strata.cache.redis.ssl-bundle";
    String bundleName = blank(strata.getSslBundle()) ? string(binder, BOOT + "ssl.bundle") : strata.getSslBundle();
    RedisConnectionOptions.Builder builder = builder(strata, binder, bundleName != null);
    if (bundleName != null) {
      applyBundle(builder, bundleProperty, bundleName, bundles);
    }
    if (password != null && !password.isEmpty()) {
      if (username != null && !username.isBlank()) {
        builder.credentials(username, password.toCharArray());
      } else {
        builder.password(password.toCharArray());
      }
    }
    String sentinelPassword = string(binder, BOOT + "sentinel.password");
    String sentinelUsername = string(binder, BOOT + "sentinel.username");
    if (sentinelPassword != null && usesSentinel(strata, binder)) {
      // The Sentinels' own login, distinct from the data nodes' password above.
      attempt(BOOT + "sentinel.password", "******", () -> sentinelUsername != null
          ? builder.sentinelCredentials(sentinelUsername, sentinelPassword.toCharArray())
          : builder.sentinelPassword(sentinelPassword.toCharArray()));
    } else if (sentinelUsername != null && sentinelPassword == null) {
      throw new InvalidConfigurationPropertyValueException(
          BOOT + "sentinel.username", sentinelUsername, "needs " + BOOT + "sentinel.password");
    }
    if (strata.getCommandTimeout() != null) {
      apply("strata.cache.redis.command-timeout", strata.getCommandTimeout(),
          () -> builder.commandTimeout(strata.getCommandTimeout()));
    }
    if (strata.getConnectTimeout() != null) {
      apply("strata.cache.redis.connect-timeout", strata.getConnectTimeout(),
          () -> builder.connectTimeout(strata.getConnectTimeout()));
    }
    return builder.build();
  }

  /** Trusts what the bundle trusts and presents its key, if it has one (mutual TLS). */
  private static void applyBundle(
      RedisConnectionOptions.Builder builder,
      String property,
      String name,
      @Nullable SslBundles bundles) {
    if (bundles == null) {
      throw new InvalidConfigurationPropertyValueException(property, name,
          "no SslBundles bean to take it from (Spring Boot's SslAutoConfiguration makes one from"
              + " spring.ssl.bundle.*)");
    }
    SslBundle bundle;
    try {
      bundle = bundles.getBundle(name);
    } catch (NoSuchSslBundleException e) {
      throw new InvalidConfigurationPropertyValueException(property, name, e.getMessage());
    }
    attempt(property, name, () -> builder.trustManagerFactory(bundle.getManagers().getTrustManagerFactory()));
    if (bundle.getStores().getKeyStore() != null) {
      KeyManagerFactory keys = bundle.getManagers().getKeyManagerFactory();
      attempt(property, name, () -> builder.keyManagerFactory(keys));
    }
  }

  private static RedisConnectionOptions.Builder builder(
      StrataCacheProperties.Redis strata, Binder binder, boolean sslBundle) {
    String strataUrl = strata.getUrl();
    if (strataUrl != null && !strataUrl.isBlank()) { // blank: ${REDIS_URL:} with no REDIS_URL
      return uri("strata.cache.redis.url", strataUrl);
    }
    String url = string(binder, BOOT + "url");
    if (url != null) {
      return uri(BOOT + "url", url);
    }
    // As in Boot: a bundle turns TLS on unless ssl.enabled says otherwise.
    boolean ssl = binder.bind(BOOT + "ssl.enabled", Boolean.class).orElse(sslBundle);
    String scheme = ssl ? "rediss://" : "redis://";
    String master = string(binder, BOOT + "sentinel.master");
    List<String> sentinels = list(binder, BOOT + "sentinel.nodes");
    if (!sentinels.isEmpty()) {
      if (master == null) {
        throw new InvalidConfigurationPropertyValueException(
            BOOT + "sentinel.master", null, "required with " + BOOT + "sentinel.nodes");
      }
      String[] uris = sentinels.stream().map(node -> scheme + node.trim()).toArray(String[]::new);
      return attempt(BOOT + "sentinel.nodes", sentinels,
          () -> RedisConnectionOptions.sentinel(master, uris));
    }
    List<String> cluster = list(binder, BOOT + "cluster.nodes");
    if (!cluster.isEmpty()) {
      String[] uris = cluster.stream().map(node -> scheme + node.trim()).toArray(String[]::new);
      return attempt(BOOT + "cluster.nodes", cluster, () -> RedisConnectionOptions.cluster(uris));
    }
    String host = binder.bind(BOOT + "host", String.class).orElse("localhost");
    int port = binder.bind(BOOT + "port", Integer.class).orElse(6379);
    int database = binder.bind(BOOT + "database", Integer.class).orElse(0);
    String uri = scheme + host + ":" + port + "/" + database;
    return uri(BOOT + "host", uri);
  }

  private static RedisConnectionOptions.Builder uri(String property, String uri) {
    return attempt(property, uri.replaceAll("//[^@/]*@", "//***@"),
        () -> RedisConnectionOptions.standalone(uri));
  }

  private interface Attempt<T> {
    T get();
  }

  private static <T> T attempt(String property, Object shown, Attempt<T> attempt) {
    try {
      return attempt.get();
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigurationPropertyValueException(property, shown, e.getMessage());
    }
  }

  private static void apply(String property, Object value, Runnable setter) {
    attempt(property, value, () -> {
      setter.run();
      return null;
    });
  }

  /** Returns whether {@link #builder} finds Redis through Sentinel (no url set, sentinel nodes). */
  private static boolean usesSentinel(StrataCacheProperties.Redis strata, Binder binder) {
    return blank(strata.getUrl())
        && string(binder, BOOT + "url") == null
        && !list(binder, BOOT + "sentinel.nodes").isEmpty();
  }

  private static boolean blank(@Nullable String value) {
    return value == null || value.isBlank();
  }

  private static boolean has(Binder binder, String name) {
    return string(binder, name) != null;
  }

  private static @Nullable String string(Binder binder, String name) {
    String value = binder.bind(name, String.class).orElse(null);
    return value == null || value.isBlank() ? null : value;
  }

  private static List<String> list(Binder binder, String name) {
    return binder.bind(name, Bindable.listOf(String.class)).orElse(List.of());
  }
}
