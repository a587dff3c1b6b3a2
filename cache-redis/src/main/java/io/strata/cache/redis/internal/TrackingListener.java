package io.strata.cache.redis.internal;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.ByteArrayOutput;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.resource.ClientResources;
import io.strata.cache.InvalidationSink;
import io.strata.cache.redis.KeyMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Strata's listener for Redis client-side caching: one {@link TrackingConnection} per master (one
 * for standalone and Sentinel, one per master of a cluster, following topology changes), tracking
 * in broadcast mode the namespace of every Redis tier built on the client, and routing each pushed
 * key to the caches whose namespace it falls in.
 *
 * <p>Coherence rules it enforces: a cache's local tier may fill only while every master's tracking
 * connection is armed for its namespace and answers heartbeats; otherwise the cache is suspended
 * (flushed, and kept empty). A null push (FLUSHDB, FLUSHALL) flushes every cache; a push for the
 * namespace itself (an empty key) flushes that cache on every instance, which is how {@code
 * invalidateAll} reaches the others. A writer keeps its own copy: its plain writes go on the
 * tracking connection, whose {@code NOLOOP} spares it their push ({@link
 * Subscription#quietWriter}), and a push for a key it wrote otherwise is applied only if Redis no
 * longer holds that write ({@link OwnWrites}).
 * Thread-safe.
 */
public final class TrackingListener implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TrackingListener.class);

  /** The name tracking connections give themselves, as {@code CLIENT LIST} shows it. */
  public static final String CLIENT_NAME = "strata-invalidations";

  /** Keys per cache whose own write's push may still come; past it, all are forgotten. */
  private static final int OWN_WRITES_CAPACITY = 65_536;

  /** A cache's subscription: its namespace, how to read keys back, where to deliver them. */
  public static final class Subscription<K> implements AutoCloseable {
    private final TrackingListener listener;
    private final String namespace;
    private final byte[] namespaceBytes;
    private final KeyMapper<K> keys;
    private final InvalidationSink<K> sink;
    private final String cacheName;
    // Written under the listener's lock.
    private volatile boolean suspended;
    private volatile String suspendedBecause = "";
    private final AtomicBoolean loggedUnreadable = new AtomicBoolean();
    private final OwnWrites ownWrites = new OwnWrites(OWN_WRITES_CAPACITY);
    /** Every subscription of this namespace on this client, this one included. */
    private final List<Subscription<?>> siblings;

    private Subscription(
        TrackingListener listener,
        String namespace,
        KeyMapper<K> keys,
        InvalidationSink<K> sink,
        String cacheName,
        List<Subscription<?>> siblings) {
      this.listener = listener;
      this.siblings = siblings;
      this.namespace = namespace;
      this.namespaceBytes = namespace.getBytes(StandardCharsets.UTF_8);
      this.keys = keys;
      this.sink = sink;
      this.cacheName = cacheName;
    }

    private void deliver(List<byte[]> names) {
      if (ownWrites.size() == 0) {
        deliverNow(names);
        return;
      }
      List<byte[]> now = new ArrayList<>(names.size());
      List<byte[]> toCheck = new ArrayList<>();
      List<byte[]> expected = new ArrayList<>();
      for (byte[] name : names) {
        byte[] own = ownWrites.take(name);
        if (own == null || own == OwnWrites.CONTENDED) {
          now.add(name);
        } else {
          toCheck.add(name);
          expected.add(own);
        }
      }
      if (!now.isEmpty()) {
        deliverNow(now);
      }
      if (!toCheck.isEmpty()) {
        listener.deliverUnlessOwn(this, toCheck, expected);
      }
    }

    /**
     * Records that this cache is about to write {@code redisKey} with {@code writeId}, so that the
     * push of that write does not evict the copy the cache keeps; see {@link OwnWrites}.
     */
    void expectWrite(byte[] redisKey, byte[] writeId) {
      ownWrites.expect(redisKey, writeId);
    }

    /** Forgets a write Redis refused: no push will come for it. */
    void forgetWrite(byte[] redisKey, byte[] writeId) {
      ownWrites.forget(redisKey, writeId);
    }

    /**
     * Returns a connection on which this cache's plain writes (transactions, not scripts) reach
     * Redis without a push back to this client, or null when there is none (a Cluster, tracking
     * not armed for the namespace): the tracking connection of a single master itself, tracking
     * with {@code NOLOOP}. Every other client still hears them. After such a write, call {@link
     * #wroteQuietly}. Never blocks.
     */
    @Nullable StatefulConnection<?, ?> quietWriter() {
      TrackingConnection single = listener.single;
      return single == null ? null : single.quietWriter(namespace);
    }

    /**
     * Tells the other caches of this namespace on this client of {@code redisKeys}, written (or
     * maybe written) on the {@link #quietWriter}: they share the connection whose echo {@code
     * NOLOOP} skips, so no push tells them. The writer itself needs none: its engine drops its
     * copy when two of its writes of a key overlap, whatever order Redis took them in.
     */
    void wroteQuietly(List<byte[]> redisKeys) {
      for (Subscription<?> sibling : siblings) {
        if (sibling != this) {
          sibling.deliverNow(redisKeys);
        }
      }
    }

    private void deliverNow(List<byte[]> names) {
      List<K> found = new ArrayList<>(names.size());
      for (byte[] name : names) {
        if (name.length == namespaceBytes.length) {
          sink.invalidateAll("invalidate-all");
          continue;
        }
        String text =
            new String(
                name,
                namespaceBytes.length,
                name.length - namespaceBytes.length,
                StandardCharsets.UTF_8);
        try {
          found.add(keys.fromText(text));
        } catch (RuntimeException e) {
          // A key this cache cannot name was changed: forgetting everything is the safe answer.
          if (loggedUnreadable.compareAndSet(false, true)) {
            LOG.warn(
                "Cache '{}' heard of a change to a Redis key its KeyMapper cannot read back ({});"
                    + " flushing its local tier instead (logged once)",
                cacheName,
                e.toString());
          }
          sink.invalidateAll("unreadable-key");
        }
      }
      if (!found.isEmpty()) {
        sink.invalidate(found);
      }
    }

    /** Returns why the cache's local tier is bypassed now, or null if it is not. */
    public @Nullable String suspendedBecause() {
      return suspended ? suspendedBecause : null;
    }

    /** Stops delivering to this cache. The prefix stays tracked until the connection is renewed. */
    @Override
    public void close() {
      listener.unregister(this);
    }
  }

  private final RedisLink.Settings settings;
  private final Duration heartbeatInterval;
  private final Duration heartbeatTimeout;
  private final RedisClient trackingClient;
  private final ScheduledExecutorService scheduler;
  private final Map<String, TrackingConnection> connections = new LinkedHashMap<>();
  private final Map<String, List<Subscription<?>>> subscriptions = new HashMap<>();
  private final List<String> prefixes = new CopyOnWriteArrayList<>();
  private final @Nullable RedisClusterClient clusterClient;
  private final java.util.function.BooleanSupplier topologyKnown;
  /** The one tracking connection of a standalone or Sentinel client; null on a Cluster. */
  private volatile @Nullable TrackingConnection single;
  /** The data connection, on which pushes for keys this instance wrote are checked. */
  private final Supplier<@Nullable StatefulConnection<byte[], byte[]>> data;
  private boolean started;
  private boolean closed;

  TrackingListener(
      RedisLink.Settings settings,
      ClientResources resources,
      @Nullable RedisClusterClient clusterClient,
      java.util.function.BooleanSupplier topologyKnown,
      Supplier<@Nullable StatefulConnection<byte[], byte[]>> data,
      Duration heartbeatInterval,
      Duration heartbeatTimeout) {
    this.settings = settings;
    this.data = data;
    this.clusterClient = clusterClient;
    this.topologyKnown = topologyKnown;
    this.heartbeatInterval = heartbeatInterval;
    this.heartbeatTimeout = heartbeatTimeout;
    this.trackingClient = RedisClient.create(resources);
    ClientOptions.Builder options =
        ClientOptions.builder()
            .protocolVersion(ProtocolVersion.RESP3)
            // A lost tracking connection must be noticed and answered with a flush, never
            // silently replaced: TrackingConnection reconnects itself.
            .autoReconnect(false)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .socketOptions(
                SocketOptions.builder()
                    .connectTimeout(settings.connectTimeout())
                    .keepAlive(true)
                    .tcpNoDelay(true)
                    .build())
            .timeoutOptions(TimeoutOptions.enabled(heartbeatTimeout.plus(settings.commandTimeout())));
    RedisLink.applyTls(options, settings);
    trackingClient.setOptions(options.build());
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "strata-redis-invalidations");
              thread.setDaemon(true);
              return thread;
            });
  }

  /** Returns the tracked prefixes; never blocks. */
  List<String> prefixes() {
    return List.copyOf(prefixes);
  }

  /**
   * Subscribes a cache to the keys under {@code namespace}. Its local tier is suspended until
   * every master tracks the namespace.
   *
   * @throws IllegalArgumentException if the namespace overlaps another one on this client without
   *     being equal to it (Redis refuses overlapping prefixes on one connection)
   */
  public synchronized <K> Subscription<K> register(
      String namespace, KeyMapper<K> keys, InvalidationSink<K> sink, String cacheName) {
    if (closed) {
      throw new IllegalStateException("the RedisCacheClient is closed");
    }
    for (String existing : subscriptions.keySet()) {
      if (!existing.equals(namespace)
          && (existing.startsWith(namespace) || namespace.startsWith(existing))) {
        throw new IllegalArgumentException(
            "cache '" + cacheName + "' would use the Redis key prefix \"" + namespace
                + "\", which overlaps \"" + existing + "\" of another cache on this client;"
                + " Redis cannot track overlapping prefixes on one connection. Rename one cache"
                + " or give it another RedisTier prefix");
      }
    }
    boolean newPrefix = !subscriptions.containsKey(namespace);
    List<Subscription<?>> siblings =
        subscriptions.computeIfAbsent(namespace, n -> new CopyOnWriteArrayList<>());
    Subscription<K> subscription =
        new Subscription<>(this, namespace, keys, sink, cacheName, siblings);
    siblings.add(subscription);
    if (newPrefix) {
      prefixes.add(namespace);
    }
    boolean first = !started;
    if (first) {
      started = true;
      reconcileConnections();
      scheduler.scheduleAtFixedRate(
          this::tick,
          heartbeatInterval.toMillis(),
          heartbeatInterval.toMillis(),
          TimeUnit.MILLISECONDS);
    }
    recompute();
    if (newPrefix && !first) {
      connections.values().forEach(TrackingConnection::armMissingPrefixes);
    }
    return subscription;
  }

  private synchronized void unregister(Subscription<?> subscription) {
    List<Subscription<?>> list = subscriptions.get(subscription.namespace);
    if (list != null) {
      list.remove(subscription);
    }
  }

  private void tick() {
    try {
      if (settings.cluster()) {
        synchronized (this) {
          reconcileConnections();
        }
      }
      List<TrackingConnection> current;
      synchronized (this) {
        current = List.copyOf(connections.values());
      }
      current.forEach(TrackingConnection::heartbeat);
    } catch (RuntimeException e) {
      LOG.warn("Invalidation heartbeat failed", e);
    }
  }

  /** Opens a tracking connection per master (one for standalone); closes those of ex-masters. */
  private void reconcileConnections() {
    if (closed) {
      return;
    }
    Map<String, RedisURI> masters = new LinkedHashMap<>();
    if (clusterClient != null) {
      if (!topologyKnown.getAsBoolean()) {
        // getPartitions() would block this thread to load the topology; the data connection
        // loads it in the background, and the next tick looks again.
        return;
      }
      try {
        for (RedisClusterNode node : clusterClient.getPartitions()) {
          if (node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.getSlots().isEmpty()) {
            RedisURI uri = node.getUri();
            masters.put(uri.getHost() + ":" + uri.getPort(), uri);
          }
        }
      } catch (RuntimeException e) {
        // No topology yet: the data connection is still being established. Try next tick.
        return;
      }
    } else {
      RedisURI uri = settings.uris().get(0);
      masters.put(describe(uri), uri);
    }
    boolean changed = false;
    for (Map.Entry<String, RedisURI> master : masters.entrySet()) {
      if (!connections.containsKey(master.getKey())) {
        RedisURI template = settings.cluster() ? withSettingsOf(master.getValue()) : null;
        TrackingConnection connection =
            new TrackingConnection(
                master.getKey(),
                () -> template != null ? copy(template) : freshUri(),
                trackingClient,
                this,
                scheduler,
                settings.sentinel(),
                heartbeatTimeout);
        connections.put(master.getKey(), connection);
        if (!settings.cluster()) {
          single = connection;
        }
        connection.start();
        changed = true;
      }
    }
    for (String node : Set.copyOf(connections.keySet())) {
      if (!masters.containsKey(node)) {
        connections.remove(node).close();
        changed = true;
      }
    }
    if (changed && !connections.isEmpty()) {
      LOG.debug("Tracking invalidations on {}", connections.keySet());
      recompute();
    }
  }

  private RedisURI freshUri() {
    RedisURI uri = settings.uriSupplier().get();
    uri.setClientName(CLIENT_NAME);
    return uri;
  }

  private RedisURI withSettingsOf(RedisURI node) {
    RedisURI seed = freshUri();
    RedisURI uri = RedisURI.builder(seed).withHost(node.getHost()).withPort(node.getPort()).build();
    uri.setCredentialsProvider(seed.getCredentialsProvider());
    uri.setClientName(CLIENT_NAME);
    return uri;
  }

  private static RedisURI copy(RedisURI template) {
    RedisURI uri = RedisURI.builder(template).build();
    uri.setCredentialsProvider(template.getCredentialsProvider());
    uri.setClientName(CLIENT_NAME);
    return uri;
  }

  private static String describe(RedisURI uri) {
    return uri.getHost() != null
        ? uri.getHost() + ":" + uri.getPort()
        : "sentinel master " + uri.getSentinelMasterId();
  }

  /**
   * Suspends the caches that cannot trust their local tier now and resumes the others. Called after
   * every state change of a connection or of the subscriptions.
   */
  synchronized void recompute() {
    if (closed) {
      return;
    }
    for (List<Subscription<?>> list : subscriptions.values()) {
      for (Subscription<?> subscription : list) {
        String why = whyNotCoherent(subscription.namespace);
        if (why != null) {
          subscription.suspendedBecause = why;
        }
        if (why != null) {
          // Pushes may have been lost, and the local tier is flushed: no echo is worth waiting for.
          subscription.ownWrites.clear();
        }
        if (why != null && !subscription.suspended) {
          subscription.suspended = true;
          subscription.sink.suspend(why);
        } else if (why == null && subscription.suspended) {
          subscription.suspended = false;
          subscription.sink.resume();
        }
      }
    }
  }

  /** Returns why {@code namespace} cannot be trusted locally now, or null if it can. */
  private @Nullable String whyNotCoherent(String namespace) {
    if (connections.isEmpty()) {
      return "disconnect";
    }
    for (TrackingConnection connection : connections.values()) {
      if (!connection.covers(namespace)) {
        return switch (connection.state()) {
          case STALLED -> "heartbeat";
          case ARMED -> "arming";
          default -> "disconnect";
        };
      }
    }
    return null;
  }

  /** Returns the state of every tracking connection. */
  public synchronized List<io.strata.cache.redis.InvalidationStatus> status() {
    return connections.values().stream().map(TrackingConnection::status).toList();
  }

  /** Delivers the pushed key names to the caches whose namespace they fall in. */
  void invalidated(List<byte[]> names) {
    Map<Subscription<?>, List<byte[]>> byCache = new HashMap<>();
    List<List<Subscription<?>>> all;
    synchronized (this) {
      all = List.copyOf(subscriptions.values());
    }
    for (byte[] name : names) {
      for (List<Subscription<?>> list : all) {
        if (list.isEmpty() || !startsWith(name, list.get(0).namespaceBytes)) {
          continue;
        }
        for (Subscription<?> subscription : list) {
          byCache.computeIfAbsent(subscription, s -> new ArrayList<>()).add(name);
        }
        break; // namespaces never overlap
      }
    }
    byCache.forEach(Subscription::deliver);
  }

  /**
   * Reads the write id of each of {@code keys} (one batch on the data connection) and delivers to
   * {@code subscription} those that no longer hold the id it wrote, {@code expected}: a push for
   * a key that still holds it is the echo of the cache's own write. A failed read delivers.
   */
  void deliverUnlessOwn(Subscription<?> subscription, List<byte[]> keys, List<byte[]> expected) {
    StatefulConnection<byte[], byte[]> connection = data.get();
    if (connection == null) {
      subscription.deliverNow(keys);
      return;
    }
    List<AsyncCommand<byte[], byte[], byte[]>> reads = new ArrayList<>(keys.size());
    for (byte[] key : keys) {
      CommandArgs<byte[], byte[]> args =
          new CommandArgs<>(ByteArrayCodec.INSTANCE).addKey(key).add(EntryFormat.ID);
      reads.add(
          new AsyncCommand<>(
              new Command<>(CommandType.HGET, new ByteArrayOutput<>(ByteArrayCodec.INSTANCE), args)));
    }
    try {
      if (reads.size() == 1) {
        connection.dispatch(reads.get(0));
      } else {
        connection.dispatch(new ArrayList<RedisCommand<byte[], byte[], ?>>(reads));
      }
    } catch (RuntimeException e) {
      subscription.deliverNow(keys);
      return;
    }
    CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
        .whenComplete(
            (done, error) -> {
              List<byte[]> changed = new ArrayList<>(keys.size());
              for (int i = 0; i < keys.size(); i++) {
                AsyncCommand<byte[], byte[], byte[]> read = reads.get(i);
                byte[] held = read.isCompletedExceptionally() ? null : read.getNow(null);
                if (!OwnWrites.stillOwn(expected.get(i), held)) {
                  changed.add(keys.get(i));
                }
              }
              if (!changed.isEmpty()) {
                subscription.deliverNow(changed);
              }
            });
  }

  /** Flushes every subscribed cache: the server dropped its whole keyspace. */
  void flushAll(String reason) {
    List<List<Subscription<?>>> all;
    synchronized (this) {
      all = List.copyOf(subscriptions.values());
    }
    all.forEach(list -> list.forEach(subscription -> subscription.sink.invalidateAll(reason)));
  }

  private static boolean startsWith(byte[] name, byte[] prefix) {
    if (name.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (name[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void close() {
    List<TrackingConnection> toClose;
    synchronized (this) {
      closed = true;
      single = null;
      toClose = List.copyOf(connections.values());
      connections.clear();
    }
    // Wait for the closes, or shutting the client down closes the same connections again, and
    // Lettuce warns "Connection is already closed" for each.
    CompletableFuture<?>[] closing =
        toClose.stream().map(TrackingConnection::close).toArray(CompletableFuture[]::new);
    try {
      CompletableFuture.allOf(closing).get(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // The shutdown below closes whatever is left.
    }
    scheduler.shutdownNow();
    trackingClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
