package io.strata.cache.redis;

import io.lettuce.core.RedisURI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;

/**
 * How a {@link RedisCacheClient} reaches Redis: the topology (standalone, Sentinel, Cluster), the
 * credentials and TLS trust, and the timeouts. Immutable and thread-safe; built with {@link
 * #standalone}, {@link #sentinel} or {@link #cluster}.
 *
 * <p>The defaults suit a cache, not a database: a cache answers from the next level when Redis is
 * slow, so waiting long for Redis only adds latency.
 *
 * <ul>
 *   <li>{@link #DEFAULT_CONNECT_TIMEOUT}: 1 s to open a connection.
 *   <li>Connection setup (TCP connect, TLS handshake and the HELLO/AUTH/CLIENT SETNAME handshake
 *       Lettuce runs on every new connection): the connect timeout plus {@link
 *       #DEFAULT_SETUP_ALLOWANCE} (2 s with the defaults), unless set with {@link
 *       Builder#connectionSetupTimeout}. It is not the command timeout: a handshake cut short on a
 *       busy host makes a healthy Redis look down.
 *   <li>{@link #DEFAULT_COMMAND_TIMEOUT}: 250 ms per command (or per pipelined batch).
 *   <li>{@link #DEFAULT_REQUEST_QUEUE_SIZE}: at most 10,000 commands in flight per connection;
 *       beyond that a command fails at once instead of queueing.
 *   <li>While disconnected, commands are rejected at once, not buffered; commands in flight when a
 *       connection drops fail and are never replayed after the reconnect (a replayed write could
 *       land after a newer one).
 *   <li>TLS ({@code rediss://}) always verifies the certificate chain and the host name.
 * </ul>
 *
 * <p>{@link #toString()} never shows the password.
 */
public final class RedisConnectionOptions {

  /** Default time to open a connection: 1 s. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);

  /**
   * What the default connection setup timeout adds to the connect timeout: 1 s, for the TLS and
   * HELLO/AUTH handshakes after the TCP connect.
   */
  public static final Duration DEFAULT_SETUP_ALLOWANCE = Duration.ofSeconds(1);

  /** Default time a command may take before it fails: 250 ms. */
  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMillis(250);

  /** Default bound on the commands in flight on one connection: 10,000. */
  public static final int DEFAULT_REQUEST_QUEUE_SIZE = 10_000;

  /** Default time between heartbeats on an invalidation connection: 500 ms. */
  public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofMillis(500);

  /** Default deadline of a heartbeat's answer: 500 ms. */
  public static final Duration DEFAULT_HEARTBEAT_TIMEOUT = Duration.ofMillis(500);

  /** The shape of the Redis deployment. */
  public enum Topology {
    /** One server (with or without replicas the client does not use). */
    STANDALONE,
    /** A master found through Sentinel, followed across failovers. */
    SENTINEL,
    /** Redis Cluster: keys are routed to the master of their slot. */
    CLUSTER
  }

  private final Topology topology;
  private final List<RedisURI> uris;
  private final Supplier<List<RedisURI>> freshUris;
  private final boolean uriHasPassword;
  private final @Nullable String username;
  private final char @Nullable [] password;
  private final @Nullable String sentinelUsername;
  private final char @Nullable [] sentinelPassword;
  private final @Nullable Path trustedCertificates;
  private final @Nullable TrustManagerFactory trustManagerFactory;
  private final @Nullable KeyManagerFactory keyManagerFactory;
  private final Duration connectTimeout;
  private final Duration connectionSetupTimeout;
  private final Duration commandTimeout;
  private final int requestQueueSize;
  private final Duration heartbeatInterval;
  private final Duration heartbeatTimeout;

  private RedisConnectionOptions(Builder builder) {
    this.topology = builder.topology;
    this.uris = builder.freshUris.get();
    this.freshUris = builder.freshUris;
    this.uriHasPassword = builder.uriHasPassword;
    this.username = builder.username;
    this.password = builder.password == null ? null : builder.password.clone();
    this.sentinelUsername = builder.sentinelUsername;
    this.sentinelPassword =
        builder.sentinelPassword == null ? null : builder.sentinelPassword.clone();
    this.trustedCertificates = builder.trustedCertificates;
    this.trustManagerFactory = builder.trustManagerFactory;
    this.keyManagerFactory = builder.keyManagerFactory;
    this.connectTimeout = builder.connectTimeout;
    this.connectionSetupTimeout =
        builder.connectionSetupTimeout != null
            ? builder.connectionSetupTimeout
            : builder.connectTimeout.plus(DEFAULT_SETUP_ALLOWANCE);
    this.commandTimeout = builder.commandTimeout;
    this.requestQueueSize = builder.requestQueueSize;
    this.heartbeatInterval = builder.heartbeatInterval;
    this.heartbeatTimeout = builder.heartbeatTimeout;
  }

  /**
   * Starts options for one server, from a {@code redis://[[user:]password@]host[:port][/db]} or
   * {@code rediss://...} URI.
   *
   * @throws IllegalArgumentException if the URI is not a valid redis:// or rediss:// URI
   */
  public static Builder standalone(String uri) {
    return new Builder(
        Topology.STANDALONE, () -> List.of(parse(uri, "uri")), hasUserInfo(uri));
  }

  /**
   * Starts options for a Redis Cluster, from the URIs of one or more of its nodes (the others are
   * discovered).
   *
   * @throws IllegalArgumentException if no URI is given or one is not a redis:// or rediss:// URI
   */
  public static Builder cluster(String... seedUris) {
    String[] copy = Objects.requireNonNull(seedUris, "seedUris").clone();
    return new Builder(
        Topology.CLUSTER,
        () -> parseAll(copy, "seedUris"),
        Arrays.stream(copy).anyMatch(RedisConnectionOptions::hasUserInfo));
  }

  /**
   * Starts options for the master named {@code masterId}, found through the Sentinels at {@code
   * sentinelUris} (redis:// URIs of the Sentinels; credentials set on the builder apply to the
   * data nodes, {@link Builder#sentinelCredentials} to the Sentinels).
   *
   * @throws IllegalArgumentException if the master id is blank, no URI is given or one is invalid
   */
  public static Builder sentinel(String masterId, String... sentinelUris) {
    Objects.requireNonNull(masterId, "masterId");
    if (masterId.isBlank()) {
      throw new IllegalArgumentException("masterId must name the Sentinel master, but was blank");
    }
    String[] copy = Objects.requireNonNull(sentinelUris, "sentinelUris").clone();
    return new Builder(
        Topology.SENTINEL,
        () -> {
          List<RedisURI> sentinels = parseAll(copy, "sentinelUris");
          RedisURI.Builder uri = RedisURI.builder().withSentinelMasterId(masterId);
          for (RedisURI sentinel : sentinels) {
            uri.withSentinel(sentinel);
          }
          return List.of(uri.withSsl(sentinels.get(0).isSsl()).build());
        },
        false);
  }

  /** Returns the topology. */
  public Topology topology() {
    return topology;
  }

  /** Returns the connect timeout. */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /**
   * Returns the time a new connection has to become usable: TCP connect, TLS handshake and the
   * HELLO/AUTH handshake together. Connections are opened in the background, so this never adds
   * to a cache call's latency.
   */
  public Duration connectionSetupTimeout() {
    return connectionSetupTimeout;
  }

  /** Returns the command timeout: the longest a cache call waits for Redis. */
  public Duration commandTimeout() {
    return commandTimeout;
  }

  /** Returns the bound on commands in flight per connection. */
  public int requestQueueSize() {
    return requestQueueSize;
  }

  /** Returns the time between heartbeats on an invalidation connection. */
  public Duration heartbeatInterval() {
    return heartbeatInterval;
  }

  /** Returns how long a heartbeat may go unanswered before local tiers count as degraded. */
  public Duration heartbeatTimeout() {
    return heartbeatTimeout;
  }

  /** Returns the PEM file of trusted certificates, or null to use the JDK's trust store. */
  public @Nullable Path trustedCertificates() {
    return trustedCertificates;
  }

  /**
   * Returns the trust managers that verify the server's certificate, or null for {@link
   * #trustedCertificates()} or the JDK's trust store.
   */
  public @Nullable TrustManagerFactory trustManagerFactory() {
    return trustManagerFactory;
  }

  /** Returns the key managers of the client's own certificate (mutual TLS), or null for none. */
  public @Nullable KeyManagerFactory keyManagerFactory() {
    return keyManagerFactory;
  }

  /** Returns whether connections use TLS. */
  public boolean isTls() {
    return uris.get(0).isSsl();
  }

  /**
   * Returns the Lettuce URIs with the builder's credentials and timeouts applied, for the client.
   * Each call returns new instances.
   */
  List<RedisURI> redisUris() {
    return freshUris.get().stream().map(this::complete).toList();
  }

  /** Applies the builder's settings to {@code uri}, a fresh instance no one else holds. */
  private RedisURI complete(RedisURI uri) {
    // Lettuce bounds a new connection's handshake (HELLO, AUTH, CLIENT SETNAME) by the URI's
    // timeout, its timer starting before the TCP connect. Commands are bounded separately, by the
    // fixed TimeoutOptions of the clients, so the URI carries the setup timeout, not the command
    // timeout: a 250 ms handshake fails on a busy host and skips a healthy Redis.
    uri.setTimeout(connectionSetupTimeout);
    // Names the connection in CLIENT LIST, for operators (the tracking connections rename theirs).
    uri.setClientName("strata-cache");
    if (password != null) {
      uri.setCredentialsProvider(
          io.lettuce.core.RedisCredentialsProvider.from(
              () -> io.lettuce.core.RedisCredentials.just(username, password)));
    }
    if (uri.isSsl()) {
      uri.setVerifyPeer(io.lettuce.core.SslVerifyMode.FULL);
    }
    if (sentinelPassword != null) {
      // The Sentinels' own login, distinct from the data nodes' (Lettuce authenticates to each
      // Sentinel with its URI's credentials).
      for (RedisURI sentinel : uri.getSentinels()) {
        sentinel.setCredentialsProvider(
            io.lettuce.core.RedisCredentialsProvider.from(
                () -> io.lettuce.core.RedisCredentials.just(sentinelUsername, sentinelPassword)));
      }
    }
    return uri;
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder("RedisConnectionOptions{").append(topology).append(' ');
    for (int i = 0; i < uris.size(); i++) {
      RedisURI uri = uris.get(i);
      text.append(i == 0 ? "" : ",")
          .append(uri.isSsl() ? "rediss://" : "redis://")
          .append(uri.getHost() == null ? "sentinel:" + uri.getSentinelMasterId() : uri.getHost())
          .append(uri.getHost() == null ? "" : ":" + uri.getPort());
    }
    return text.append(", username=")
        .append(username == null ? "-" : username)
        .append(", password=")
        .append(password == null && !uriHasPassword ? "-" : "***")
        .append(topology == Topology.SENTINEL
            ? ", sentinelUsername=" + (sentinelUsername == null ? "-" : sentinelUsername)
                + ", sentinelPassword=" + (sentinelPassword == null ? "-" : "***")
            : "")
        .append(", connectTimeout=")
        .append(connectTimeout)
        .append(", connectionSetupTimeout=")
        .append(connectionSetupTimeout)
        .append(", commandTimeout=")
        .append(commandTimeout)
        .append(", requestQueueSize=")
        .append(requestQueueSize)
        .append('}')
        .toString();
  }

  private static List<RedisURI> parseAll(String[] uris, String name) {
    Objects.requireNonNull(uris, name);
    if (uris.length == 0) {
      throw new IllegalArgumentException(name + " must hold at least one redis:// URI");
    }
    return Arrays.stream(uris).map(uri -> parse(uri, name)).toList();
  }

  private static RedisURI parse(String uri, String name) {
    Objects.requireNonNull(uri, name);
    if (!uri.startsWith("redis://") && !uri.startsWith("rediss://")) {
      throw new IllegalArgumentException(
          name + " must start with redis:// or rediss://, but was " + redact(uri));
    }
    try {
      return RedisURI.create(uri);
    } catch (RuntimeException e) {
      // Lettuce's message may quote the URI, and the URI may hold a password.
      throw new IllegalArgumentException(
          name + " is not a valid Redis URI: " + redact(uri) + " (" + e.getClass().getSimpleName()
              + ")");
    }
  }

  private static boolean hasUserInfo(String uri) {
    return !redact(uri).equals(uri);
  }

  /** Returns {@code uri} with any user info replaced, so it can appear in a message. */
  static String redact(String uri) {
    int scheme = uri.indexOf("://");
    int at = uri.lastIndexOf('@');
    return scheme >= 0 && at > scheme ? uri.substring(0, scheme + 3) + "***" + uri.substring(at) : uri;
  }

  /** Builds {@link RedisConnectionOptions}; validates each value as it is set. Not thread-safe. */
  public static final class Builder {
    private final Topology topology;
    private final Supplier<List<RedisURI>> freshUris;
    private final List<RedisURI> uris;
    private final boolean uriHasPassword;
    private @Nullable String username;
    private char @Nullable [] password;
    private @Nullable String sentinelUsername;
    private char @Nullable [] sentinelPassword;
    private @Nullable Path trustedCertificates;
    private @Nullable TrustManagerFactory trustManagerFactory;
    private @Nullable KeyManagerFactory keyManagerFactory;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private @Nullable Duration connectionSetupTimeout;
    private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
    private int requestQueueSize = DEFAULT_REQUEST_QUEUE_SIZE;
    private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
    private Duration heartbeatTimeout = DEFAULT_HEARTBEAT_TIMEOUT;

    /** Parses the URIs once now, to fail fast; the client parses fresh, mutable copies. */
    private Builder(
        Topology topology, Supplier<List<RedisURI>> freshUris, boolean uriHasPassword) {
      this.topology = topology;
      this.freshUris = freshUris;
      this.uris = freshUris.get();
      this.uriHasPassword = uriHasPassword;
    }

    /**
     * Authenticates with ACL {@code username} and {@code password} (Redis 6+), overriding what
     * the URI says. The array is copied; clear yours after the call.
     */
    public Builder credentials(String username, char[] password) {
      Objects.requireNonNull(username, "username");
      if (username.isBlank()) {
        throw new IllegalArgumentException("username must not be blank; use password(...) alone");
      }
      this.username = username;
      this.password = Objects.requireNonNull(password, "password").clone();
      return this;
    }

    /** Authenticates with {@code password} only (requirepass, the "default" user). */
    public Builder password(char[] password) {
      this.username = null;
      this.password = Objects.requireNonNull(password, "password").clone();
      return this;
    }

    /**
     * Authenticates to the Sentinels (not the data nodes, see {@link #credentials}) with ACL
     * {@code username} and {@code password}, overriding what their URIs say. The array is copied.
     *
     * @throws IllegalArgumentException if these options are not for Sentinel, or the user name
     *     is blank
     */
    public Builder sentinelCredentials(String username, char[] password) {
      Objects.requireNonNull(username, "username");
      requireSentinel("sentinelCredentials");
      if (username.isBlank()) {
        throw new IllegalArgumentException(
            "username must not be blank; use sentinelPassword(...) alone");
      }
      this.sentinelUsername = username;
      this.sentinelPassword = Objects.requireNonNull(password, "password").clone();
      return this;
    }

    /**
     * Authenticates to the Sentinels (not the data nodes) with {@code password} only (the
     * Sentinels' requirepass).
     *
     * @throws IllegalArgumentException if these options are not for Sentinel
     */
    public Builder sentinelPassword(char[] password) {
      requireSentinel("sentinelPassword");
      this.sentinelUsername = null;
      this.sentinelPassword = Objects.requireNonNull(password, "password").clone();
      return this;
    }

    private void requireSentinel(String option) {
      if (topology != Topology.SENTINEL) {
        throw new IllegalArgumentException(
            option + " applies to Sentinel, but these options are " + topology
                + "; use RedisConnectionOptions.sentinel(masterId, uris...)");
      }
    }

    /**
     * Trusts the certificates in the PEM file {@code pemFile} for TLS (a private CA), instead of
     * the JDK's trust store. The host name is verified either way.
     *
     * @throws IllegalArgumentException if the file cannot be read, or the URI is not rediss://
     */
    public Builder trustedCertificates(Path pemFile) {
      Objects.requireNonNull(pemFile, "pemFile");
      requireTls("trustedCertificates");
      if (trustManagerFactory != null) {
        throw new IllegalStateException(
            "trustManagerFactory was already set; trust comes from one of the two");
      }
      if (!Files.isReadable(pemFile)) {
        throw new IllegalArgumentException("cannot read the certificate file " + pemFile);
      }
      this.trustedCertificates = pemFile;
      return this;
    }

    /**
     * Verifies the server's certificate with {@code trust} (for instance from a key store, or a
     * Spring Boot SSL bundle), instead of the JDK's trust store. The host name is verified either
     * way.
     *
     * @throws IllegalArgumentException if the URI is not rediss://
     * @throws IllegalStateException if {@link #trustedCertificates} was set
     */
    public Builder trustManagerFactory(TrustManagerFactory trust) {
      Objects.requireNonNull(trust, "trust");
      requireTls("trustManagerFactory");
      if (trustedCertificates != null) {
        throw new IllegalStateException(
            "trustedCertificates was already set to " + trustedCertificates
                + "; trust comes from one of the two");
      }
      this.trustManagerFactory = trust;
      return this;
    }

    /**
     * Presents the client certificate of {@code keys} when the server asks for one (mutual TLS,
     * {@code tls-auth-clients yes}).
     *
     * @throws IllegalArgumentException if the URI is not rediss://
     */
    public Builder keyManagerFactory(KeyManagerFactory keys) {
      Objects.requireNonNull(keys, "keys");
      requireTls("keyManagerFactory");
      this.keyManagerFactory = keys;
      return this;
    }

    private void requireTls(String option) {
      if (!uris.get(0).isSsl()) {
        throw new IllegalArgumentException(
            option + " applies to TLS connections; use a rediss:// URI");
      }
    }

    /** Sets the time to open a connection; default 1 s. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connectTimeout");
      return this;
    }

    /**
     * Sets how long a new connection has to become usable: the TCP connect, the TLS handshake and
     * the HELLO/AUTH/CLIENT SETNAME handshake Lettuce runs on it, together. Default: the connect
     * timeout plus 1 s. It must not be shorter than the connect timeout, since it includes it.
     * Connections are opened in the background (the first one, reconnects, invalidation
     * connections), so a longer setup never delays a cache call; too short a setup, on a busy
     * host, fails handshakes with a healthy Redis and leaves it unused.
     */
    public Builder connectionSetupTimeout(Duration timeout) {
      this.connectionSetupTimeout = positive(timeout, "connectionSetupTimeout");
      return this;
    }

    /**
     * Sets how long a command may take before it fails and the cache falls back to the next level;
     * default 250 ms. It bounds the latency Redis can add to a cache call.
     */
    public Builder commandTimeout(Duration timeout) {
      this.commandTimeout = positive(timeout, "commandTimeout");
      return this;
    }

    /** Sets the most commands in flight per connection; default 10,000. */
    public Builder requestQueueSize(int size) {
      if (size < 1) {
        throw new IllegalArgumentException("requestQueueSize must be at least 1, but was " + size);
      }
      this.requestQueueSize = size;
      return this;
    }

    /**
     * Sets how often the invalidation connections are checked, and how long an answer may take.
     * When a check misses its deadline, the caches that depend on the connection are degraded
     * until it answers again (their local tiers serve within their staleness bound, or are flushed
     * and bypassed if strict): this bounds how long a silent connection (a paused server, a network
     * stall) goes unnoticed. Defaults: 500 ms and 500 ms.
     */
    public Builder invalidationHeartbeat(Duration interval, Duration timeout) {
      this.heartbeatInterval = positive(interval, "interval");
      this.heartbeatTimeout = positive(timeout, "timeout");
      return this;
    }

    /**
     * Returns the options.
     *
     * @throws IllegalStateException if the connection setup timeout is shorter than the connect
     *     timeout
     */
    public RedisConnectionOptions build() {
      if (connectionSetupTimeout != null && connectionSetupTimeout.compareTo(connectTimeout) < 0) {
        throw new IllegalStateException(
            "connectionSetupTimeout (" + connectionSetupTimeout + ") includes the TCP connect, so"
                + " it must not be shorter than connectTimeout (" + connectTimeout + "); raise it"
                + " or lower connectTimeout");
      }
      return new RedisConnectionOptions(this);
    }

    private static Duration positive(Duration duration, String name) {
      Objects.requireNonNull(duration, name);
      if (duration.isNegative() || duration.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, but was " + duration);
      }
      return duration;
    }
  }
}
