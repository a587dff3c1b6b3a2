package io.strata.cache.redis.internal;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.event.connection.ReconnectFailedEvent;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisChannelWriter;
import io.lettuce.core.protocol.CommandExpiryWriter;
import io.lettuce.core.protocol.CommandHandler;
import io.lettuce.core.protocol.Endpoint;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Lettuce client and the one shared connection every Redis tier of a {@link
 * io.strata.cache.redis.RedisCacheClient} pipelines its commands on.
 *
 * <p>The first connection is opened in the background and retried with a backoff, so building a
 * cache never waits for Redis nor fails because Redis is down; {@link #connection()} returns null
 * until it is open. Once open, Lettuce reconnects it by itself, and while it is disconnected
 * commands fail at once. Thread-safe.
 */
public final class RedisLink implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RedisLink.class);
  private static final Duration FIRST_RETRY = Duration.ofMillis(100);
  private static final Duration MAX_RETRY = Duration.ofSeconds(5);

  /** Settings the link needs, taken from the public options. */
  public record Settings(
      boolean cluster,
      boolean sentinel,
      List<RedisURI> uris,
      Supplier<RedisURI> uriSupplier,
      @Nullable Path trustedCertificates,
      javax.net.ssl.@Nullable TrustManagerFactory trustManagerFactory,
      javax.net.ssl.@Nullable KeyManagerFactory keyManagerFactory,
      Duration connectTimeout,
      Duration commandTimeout,
      int requestQueueSize,
      Duration heartbeatInterval,
      Duration heartbeatTimeout,
      String description) {}

  /**
   * The longest bulk string a reply may hand Lettuce (see {@link BulkReplyGuard}) before any tier
   * asks for more: room for what Redis itself sends, such as a large cluster's CLUSTER NODES.
   */
  static final int MIN_REPLY_LIMIT = 1024 * 1024;

  private final Settings settings;
  private final AtomicInteger replyLimit = new AtomicInteger(MIN_REPLY_LIMIT);
  /** Each Lettuce endpoint (a connection's writer) of this link, with its current channel. */
  private final Map<Endpoint, Channel> channels = new ConcurrentHashMap<>();
  private final ClientResources resources;
  private final AbstractRedisClient client;
  private final AtomicBoolean connecting = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile @Nullable StatefulConnection<byte[], byte[]> connection;
  private volatile long nextAttemptNanos = System.nanoTime();
  private volatile long retryNanos = FIRST_RETRY.toNanos();
  private volatile boolean warnedDown;
  private volatile OutageCause.Kind warnedKind = OutageCause.Kind.OTHER;
  private volatile @Nullable Throwable lastConnectFailure;
  private final ScheduledExecutorService probeScheduler;
  private final reactor.core.Disposable reconnectFailures;
  private @Nullable TrackingListener tracking;
  private final List<Runnable> reconnectListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  public RedisLink(Settings settings) {
    this.settings = settings;
    this.resources =
        ClientResources.builder()
            // Reconnect fast: a cache would rather flush and refill than wait out a long backoff.
            .reconnectDelay(
                Delay.exponential(Duration.ofMillis(10), MAX_RETRY, 2, TimeUnit.MILLISECONDS))
            .nettyCustomizer(
                new NettyCustomizer() {
                  @Override
                  public void afterChannelInitialized(Channel channel) {
                    guard(channel);
                  }
                })
            .build();
    // One small daemon thread per client probes the open breakers of all its tiers; its thread
    // starts with the first probe, so a healthy client never has it.
    ScheduledThreadPoolExecutor probes =
        new ScheduledThreadPoolExecutor(
            1,
            runnable -> {
              Thread thread = new Thread(runnable, "strata-redis-probe");
              thread.setDaemon(true);
              return thread;
            });
    probes.setRemoveOnCancelPolicy(true);
    probes.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.probeScheduler = probes;
    // Lettuce reconnects by itself and only says why it cannot on its event bus: kept for health
    // and logs, which would otherwise only see "not connected".
    this.reconnectFailures =
        resources
            .eventBus()
            .get()
            .filter(event -> event instanceof ReconnectFailedEvent)
            .subscribe(event -> lastConnectFailure = ((ReconnectFailedEvent) event).getCause());
    if (settings.cluster()) {
      RedisClusterClient clusterClient = RedisClusterClient.create(resources, settings.uris());
      ClusterClientOptions.Builder options = ClusterClientOptions.builder();
      // Adaptive refreshes (MOVED, ASK, reconnects) are on by default since Lettuce 7.
      options.topologyRefreshOptions(
          ClusterTopologyRefreshOptions.builder()
              .enablePeriodicRefresh(Duration.ofSeconds(30))
              .build());
      applyCommon(options);
      clusterClient.setOptions(options.build());
      this.client = clusterClient;
    } else {
      RedisClient redisClient = RedisClient.create(resources);
      ClientOptions.Builder options = ClientOptions.builder();
      applyCommon(options);
      redisClient.setOptions(options.build());
      this.client = redisClient;
    }
    connectInBackground();
  }

  private void applyCommon(ClientOptions.Builder options) {
    Predicate<RedisCommand<?, ?, ?>> neverReplay =
        command -> {
          command.completeExceptionally(
              new RedisException("Connection lost; the command is not replayed"));
          return true;
        };
    options
        .autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .replayFilter(neverReplay)
        .requestQueueSize(settings.requestQueueSize())
        .socketOptions(
            SocketOptions.builder()
                .connectTimeout(settings.connectTimeout())
                .keepAlive(true)
                .tcpNoDelay(true)
                .build())
        .timeoutOptions(TimeoutOptions.enabled(settings.commandTimeout()));
    applyTls(options, settings);
  }

  /**
   * Verifies the server's certificate against the configured PEM file or trust managers, or the
   * JDK's trust store; presents the configured client certificate, if any.
   */
  static void applyTls(ClientOptions.Builder options, Settings settings) {
    if (settings.uris().get(0).isSsl()) {
      SslOptions.Builder ssl = SslOptions.builder().jdkSslProvider();
      Path trusted = settings.trustedCertificates();
      if (trusted != null) {
        ssl.trustManager(trusted.toFile());
      } else if (settings.trustManagerFactory() != null) {
        ssl.trustManager(settings.trustManagerFactory());
      }
      if (settings.keyManagerFactory() != null) {
        ssl.keyManager(settings.keyManagerFactory());
      }
      options.sslOptions(ssl.build());
    }
  }

  /** Returns the state of the tracking connections; empty before any tier registered. */
  public synchronized List<io.strata.cache.redis.InvalidationStatus> trackingStatus() {
    return tracking == null ? List.of() : tracking.status();
  }

  /**
   * Returns the invalidation listener of this client, started on first use: caches that never use
   * a Redis tier open no tracking connection.
   */
  public synchronized TrackingListener tracking() {
    if (closed.get()) {
      throw new IllegalStateException("the RedisCacheClient is closed");
    }
    if (tracking == null) {
      tracking =
          new TrackingListener(
              settings,
              resources,
              client instanceof RedisClusterClient cluster ? cluster : null,
              () -> connection != null,
              () -> connection,
              settings.heartbeatInterval(),
              settings.heartbeatTimeout());
    }
    return tracking;
  }

  /**
   * Calls {@code listener} whenever the connection is (re-)established; the returned handle
   * removes it.
   */
  public AutoCloseable onConnected(Runnable listener) {
    reconnectListeners.add(listener);
    return () -> reconnectListeners.remove(listener);
  }

  /**
   * Returns the scheduler on which the tiers' breaker probes run: one daemon thread, shut down
   * with the link. Tasks on it must never block.
   */
  ScheduledExecutorService probeScheduler() {
    return probeScheduler;
  }

  /**
   * Returns why the last attempt to (re)connect failed, or null if the connection opened since:
   * what a tier reports when its commands fail only with "not connected".
   */
  public @Nullable OutageCause lastConnectFailure() {
    Throwable failure = lastConnectFailure;
    return failure == null ? null : OutageCause.of(failure);
  }

  /** Returns the exception for a command that cannot be sent since no connection is open. */
  RedisException notConnected() {
    return new RedisException("not connected to Redis", lastConnectFailure);
  }

  /**
   * Puts a {@link BulkReplyGuard} ahead of Lettuce's decoder on {@code channel}, a connection of
   * this link (data, tracking or topology).
   */
  private void guard(Channel channel) {
    ChannelHandlerContext decoder = channel.pipeline().context(CommandHandler.class);
    if (decoder == null) {
      // Another Lettuce layout: reads still refuse values over the limit, after receiving them.
      LOG.warn("No Lettuce command handler on {}: replies are not bounded in size", channel);
      return;
    }
    channel
        .pipeline()
        .addBefore(decoder.name(), "strata-bulk-reply-guard", new BulkReplyGuard(replyLimit::get));
    Endpoint endpoint = ((CommandHandler) decoder.handler()).getEndpoint();
    channels.put(endpoint, channel);
    channel.closeFuture().addListener(closed -> channels.remove(endpoint, channel));
  }

  /** Returns the channel {@code connection} writes to, or null if this link cannot tell. */
  private @Nullable Channel channelOf(StatefulConnection<?, ?> connection) {
    if (!(connection instanceof RedisChannelHandler<?, ?> handler)) {
      return null;
    }
    RedisChannelWriter writer = handler.getChannelWriter();
    while (writer instanceof CommandExpiryWriter expiry) {
      writer = expiry.getDelegate();
    }
    return writer instanceof Endpoint endpoint ? channels.get(endpoint) : null;
  }

  /**
   * Returns whether {@link #writeAsOneUnit} works for {@code connection}: a single node's
   * connection of this link (not a Cluster's, whose commands are routed per key).
   */
  public boolean canWriteAsOneUnit(StatefulConnection<?, ?> connection) {
    return !settings.cluster() && channelOf(connection) != null;
  }

  /**
   * Writes {@code commands} to {@code connection}'s channel as one message, so that no other
   * command on the connection (another thread's, or one written on the event loop) comes between
   * them, as a {@code MULTI ... EXEC} needs. Lettuce's own {@code dispatch(Collection)} writes
   * them one by one, and other threads' writes can come in between. Not counted against the
   * connection's request queue; Strata's own deadline bounds the wait. If the connection is not
   * open, or the write fails, the commands complete exceptionally.
   */
  public void writeAsOneUnit(
      StatefulConnection<?, ?> connection, List<? extends RedisCommand<?, ?, ?>> commands) {
    Channel channel = channelOf(connection);
    if (channel == null || !connection.isOpen() || !channel.isActive()) {
      RedisException closed = notConnected();
      commands.forEach(command -> command.completeExceptionally(closed));
      return;
    }
    channel
        .writeAndFlush(new ArrayList<>(commands))
        .addListener(
            written -> {
              if (!written.isSuccess()) {
                commands.forEach(command -> command.completeExceptionally(written.cause()));
              }
            });
  }

  /**
   * Lets replies carry values of up to {@code maxValueBytes} (a tier's limit); the largest
   * admitted by any tier of this link applies to all its connections.
   */
  public void admitValuesOf(int maxValueBytes) {
    replyLimit.accumulateAndGet(maxValueBytes, Math::max);
  }

  /** Returns whether this link talks to a Redis Cluster, where multi-key commands need one slot. */
  public boolean isCluster() {
    return settings.cluster();
  }

  /** Returns the command timeout: what one call to Redis may add to a cache call. */
  public Duration commandTimeout() {
    return settings.commandTimeout();
  }

  /**
   * Returns the shared connection, or null if it is not open yet; then a connection attempt is
   * started in the background unless one is under way or the last failed too recently.
   */
  public @Nullable StatefulConnection<byte[], byte[]> connection() {
    StatefulConnection<byte[], byte[]> current = connection;
    if (current == null) {
      connectInBackground();
    }
    return current;
  }

  private void connectInBackground() {
    if (closed.get()
        || System.nanoTime() - nextAttemptNanos < 0
        || !connecting.compareAndSet(false, true)) {
      return;
    }
    CompletionStage<? extends StatefulConnection<byte[], byte[]>> attempt;
    try {
      attempt = open();
    } catch (RuntimeException e) {
      attempt = CompletableFuture.failedFuture(e);
    }
    attempt.whenComplete(
        (opened, error) -> {
          if (error == null) {
            opened.setTimeout(settings.commandTimeout());
            opened.addListener(
                new io.lettuce.core.RedisConnectionStateListener() {
                  @Override
                  public void onRedisConnected(
                      io.lettuce.core.RedisChannelHandler<?, ?> handler,
                      java.net.SocketAddress address) {
                    lastConnectFailure = null;
                    reconnectListeners.forEach(Runnable::run);
                  }
                });
            connection = opened;
            lastConnectFailure = null;
            reconnectListeners.forEach(Runnable::run);
            retryNanos = FIRST_RETRY.toNanos();
            if (warnedDown) {
              LOG.info("Connected to Redis {}", settings.description());
            }
            warnedDown = false;
            if (closed.get()) {
              opened.closeAsync();
            }
          } else {
            OutageCause cause = OutageCause.of(error);
            // Lettuce may report a refused handshake (WRONGPASS) as "RedisHandshakeHandler not
            // registered", when its connect listener runs after the channel closed: a cause it
            // could not name is logged again once a later attempt names it.
            if (!warnedDown || (warnedKind == OutageCause.Kind.OTHER && cause.kind() != warnedKind)) {
              warnedDown = true;
              warnedKind = cause.kind();
              // The cause class and the innermost message; no stack trace, the failure is expected.
              LOG.warn(
                  "Cannot connect to Redis {} ({}); the caches work without it and retry in the"
                      + " background (logged once until connected)",
                  settings.description(),
                  cause);
            }
            // After the log: whoever sees this cause in the health has its WARN to read too.
            lastConnectFailure = error;
            nextAttemptNanos = System.nanoTime() + retryNanos;
            retryNanos = Math.min(retryNanos * 2, MAX_RETRY.toNanos());
          }
          connecting.set(false);
        });
  }

  private CompletionStage<? extends StatefulConnection<byte[], byte[]>> open() {
    if (client instanceof RedisClusterClient cluster) {
      // A cluster connection needs the topology first; loading it is the part that can fail.
      return cluster
          .refreshPartitionsAsync()
          .thenCompose(loaded -> cluster.connectAsync(ByteArrayCodec.INSTANCE))
          .thenCompose(RedisLink::connectToEveryMaster);
    }
    return ((RedisClient) client).connectAsync(ByteArrayCodec.INSTANCE, settings.uris().get(0));
  }

  /**
   * Opens the connection to each master before the cluster connection is used: node connections
   * open lazily, and while one is opening, commands routed to it are rejected.
   */
  private static CompletionStage<StatefulRedisClusterConnection<byte[], byte[]>>
      connectToEveryMaster(StatefulRedisClusterConnection<byte[], byte[]> connection) {
    CompletableFuture<?>[] nodes =
        connection.getPartitions().stream()
            .filter(node -> node.is(RedisClusterNode.NodeFlag.UPSTREAM))
            // Slot routing keys node connections by host and port, not by node id.
            .map(node -> connection.getConnectionAsync(node.getUri().getHost(), node.getUri().getPort()))
            .toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(nodes).thenApply(opened -> connection);
  }

  /** Returns the message of the innermost cause: Lettuce wraps connect failures twice. */
  static String rootMessage(Throwable error) {
    Throwable cause = error;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause.getClass().getSimpleName() + ": " + cause.getMessage();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    TrackingListener listener;
    synchronized (this) {
      listener = tracking;
    }
    if (listener != null) {
      listener.close();
    }
    StatefulConnection<byte[], byte[]> current = connection;
    if (current != null) {
      current.close();
    }
    probeScheduler.shutdownNow();
    reconnectFailures.dispose();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    resources.shutdown(0, 2, TimeUnit.SECONDS);
  }

  @Override
  public String toString() {
    return "RedisLink{" + settings.description() + "}";
  }
}
