package io.strata.cache.redis.internal;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TrackingArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.push.PushMessage;
import io.lettuce.core.codec.StringCodec;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One RESP3 connection to one Redis master on which client-side caching is on in broadcast mode
 * for the listener's prefixes, so the master pushes the name of every key written under them.
 *
 * <p>It never reconnects silently: a drop is reported at once (the caches must flush, since pushes
 * may have been lost), and a new connection is reported usable only once tracking is armed on it.
 * A heartbeat (PING, or ROLE behind Sentinel) with a deadline catches a connection that is open but
 * silent. All state changes go through {@link TrackingListener#recompute()}.
 */
final class TrackingConnection {

  private static final Logger LOG = LoggerFactory.getLogger(TrackingConnection.class);
  private static final long FIRST_RETRY_MILLIS = 50;
  private static final long MAX_RETRY_MILLIS = 2_000;

  /** What a tracking connection is doing. */
  enum State {
    /** Not connected, or connected with tracking not yet armed. */
    DOWN,
    /** Armed and answering heartbeats. */
    ARMED,
    /** Armed, but the last heartbeat missed its deadline. */
    STALLED,
    CLOSED
  }

  private final String node;
  private final Supplier<RedisURI> uri;
  private final RedisClient client;
  private final TrackingListener listener;
  private final ScheduledExecutorService scheduler;
  private final boolean checkRole;
  private final Duration heartbeatTimeout;

  // Guarded by this.
  private State state = State.DOWN;
  private @Nullable StatefulRedisConnection<String, String> connection;
  private final Set<String> armedPrefixes = new HashSet<>();
  private long retryMillis = FIRST_RETRY_MILLIS;
  private long generation;
  private boolean heartbeatInFlight;
  private boolean warnedDown;
  private List<String> serverFlags = List.of();
  private List<String> serverPrefixes = List.of();
  /** The armed connection and the prefixes it tracks, read without the lock by every write. */
  private volatile @Nullable Armed armed;

  private record Armed(StatefulRedisConnection<String, String> connection, Set<String> prefixes) {}

  TrackingConnection(
      String node,
      Supplier<RedisURI> uri,
      RedisClient client,
      TrackingListener listener,
      ScheduledExecutorService scheduler,
      boolean checkRole,
      Duration heartbeatTimeout) {
    this.node = node;
    this.uri = uri;
    this.client = client;
    this.listener = listener;
    this.scheduler = scheduler;
    this.checkRole = checkRole;
    this.heartbeatTimeout = heartbeatTimeout;
  }

  synchronized State state() {
    return state;
  }

  /** Returns whether tracking is armed, heard from in time, and covers {@code prefix}. */
  synchronized boolean covers(String prefix) {
    return state == State.ARMED && armedPrefixes.contains(prefix);
  }

  /**
   * Returns this connection if it is armed and tracks {@code prefix}, else null: a write sent on it
   * is not pushed back to it ({@code NOLOOP}), while every other tracker hears it. Never blocks.
   */
  @Nullable StatefulRedisConnection<String, String> quietWriter(String prefix) {
    Armed current = armed;
    return current != null && current.prefixes().contains(prefix) ? current.connection() : null;
  }

  /** Publishes the armed state for {@link #quietWriter}; called under the lock on every change. */
  private void publish() {
    armed =
        state == State.ARMED && connection != null
            ? new Armed(connection, Set.copyOf(armedPrefixes))
            : null;
  }

  synchronized void start() {
    connect(generation);
  }

  // ---------------------------------------------------------------- connecting and arming

  private synchronized void connect(long expectedGeneration) {
    if (state == State.CLOSED || generation != expectedGeneration) {
      return;
    }
    long attempt = ++generation;
    CompletableFuture<StatefulRedisConnection<String, String>> opened;
    try {
      opened = client.connectAsync(StringCodec.UTF8, uri.get()).toCompletableFuture();
    } catch (RuntimeException e) {
      opened = CompletableFuture.failedFuture(e);
    }
    opened.whenComplete(
        (connected, error) -> {
          if (error != null) {
            retryLater(attempt, error);
          } else {
            arm(attempt, connected);
          }
        });
  }

  private void arm(long attempt, StatefulRedisConnection<String, String> connected) {
    List<String> prefixes = listener.prefixes();
    synchronized (this) {
      if (state == State.CLOSED || generation != attempt) {
        connected.closeAsync();
        return;
      }
      connection = connected;
    }
    connected.addListener((PushMessage message) -> onPush(attempt, message));
    connected.addListener(
        new RedisConnectionStateListener() {
          @Override
          public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
            dropped(attempt, "connection lost");
          }
        });
    connected
        .async()
        .clientTracking(trackingArgs(prefixes))
        .thenCompose(ok -> connected.async().clientTrackinginfo())
        .whenComplete(
            (info, error) -> {
              if (error != null) {
                dropped(attempt, "CLIENT TRACKING failed: " + RedisLink.rootMessage(error));
                return;
              }
              // Trust what the server says it tracks, not what was asked.
              List<String> flags =
                  info.getFlags().stream()
                      .map(flag -> flag.name().toLowerCase(java.util.Locale.ROOT))
                      .toList();
              if (!flags.contains("bcast") || !info.getPrefixes().containsAll(prefixes)) {
                dropped(attempt, "the server reports tracking " + flags + " " + info.getPrefixes());
                return;
              }
              synchronized (this) {
                serverFlags = flags;
                serverPrefixes = List.copyOf(info.getPrefixes());
                if (generation != attempt || state == State.CLOSED) {
                  return;
                }
                armedPrefixes.clear();
                armedPrefixes.addAll(prefixes);
                state = State.ARMED;
                publish();
                retryMillis = FIRST_RETRY_MILLIS;
                if (warnedDown) {
                  LOG.info("Invalidations from Redis {} are heard again", node);
                  warnedDown = false;
                }
              }
              listener.recompute();
              // Prefixes registered while this connection was arming.
              armMissingPrefixes();
            });
  }

  /** Adds prefixes registered since the connection was armed; Redis adds them to the set. */
  void armMissingPrefixes() {
    List<String> missing = new ArrayList<>();
    List<String> wanted = listener.prefixes();
    StatefulRedisConnection<String, String> current;
    long attempt;
    synchronized (this) {
      if (state != State.ARMED && state != State.STALLED) {
        return;
      }
      for (String prefix : wanted) {
        if (!armedPrefixes.contains(prefix)) {
          missing.add(prefix);
        }
      }
      current = connection;
      attempt = generation;
    }
    if (missing.isEmpty() || current == null) {
      return;
    }
    current
        .async()
        .clientTracking(trackingArgs(missing))
        .thenCompose(ok -> current.async().clientTrackinginfo())
        .whenComplete(
            (info, error) -> {
              if (error != null) {
                dropped(attempt, "CLIENT TRACKING failed: " + RedisLink.rootMessage(error));
                return;
              }
              synchronized (this) {
                if (generation == attempt) {
                  serverPrefixes = List.copyOf(info.getPrefixes());
                  for (String prefix : missing) {
                    if (serverPrefixes.contains(prefix)) {
                      armedPrefixes.add(prefix);
                    }
                  }
                  publish();
                }
              }
              listener.recompute();
            });
  }

  private static TrackingArgs trackingArgs(List<String> prefixes) {
    // NOLOOP: the caches' plain writes are sent on this connection (see quietWriter), and their
    // own pushes would only evict the copies the writers keep.
    return TrackingArgs.Builder.enabled().bcast().prefixes(prefixes.toArray(new String[0])).noloop();
  }

  private void dropped(long attempt, String why) {
    StatefulRedisConnection<String, String> old;
    synchronized (this) {
      if (generation != attempt || state == State.CLOSED) {
        return;
      }
      old = connection;
      connection = null;
      armedPrefixes.clear();
      serverFlags = List.of();
      serverPrefixes = List.of();
      state = State.DOWN;
      publish();
      heartbeatInFlight = false;
      warnDown(why);
    }
    listener.recompute();
    if (old != null) {
      old.closeAsync();
    }
    retryLater(attempt, null);
  }

  private void retryLater(long attempt, @Nullable Throwable error) {
    long delay;
    synchronized (this) {
      if (generation != attempt || state == State.CLOSED) {
        return;
      }
      if (error != null) {
        warnDown(RedisLink.rootMessage(error));
      }
      delay = retryMillis;
      retryMillis = Math.min(retryMillis * 2, MAX_RETRY_MILLIS);
    }
    scheduler.schedule(() -> connect(attempt), delay, TimeUnit.MILLISECONDS);
  }

  private void warnDown(String why) {
    if (!warnedDown) {
      warnedDown = true;
      LOG.warn(
          "Invalidations from Redis {} cannot be heard ({}); local tiers keep serving within their staleness bound (strict ones stay empty) until they can"
              + " (logged once until then)",
          node,
          why);
    }
  }

  // ---------------------------------------------------------------- heartbeat

  /** Sends one heartbeat unless one is under way; a missed deadline marks the connection stalled. */
  void heartbeat() {
    StatefulRedisConnection<String, String> current;
    long attempt;
    synchronized (this) {
      if ((state != State.ARMED && state != State.STALLED) || heartbeatInFlight) {
        return;
      }
      current = connection;
      attempt = generation;
      heartbeatInFlight = true;
    }
    if (current == null) {
      return;
    }
    CompletableFuture<?> answer =
        (checkRole ? current.async().role() : current.async().ping()).toCompletableFuture();
    answer.whenComplete((reply, error) -> heartbeatAnswered(attempt, reply, error));
    scheduler.schedule(
        () -> {
          if (!answer.isDone()) {
            stalled(attempt);
          }
        },
        heartbeatTimeout.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private void stalled(long attempt) {
    synchronized (this) {
      if (generation != attempt || state != State.ARMED) {
        return;
      }
      state = State.STALLED;
      publish();
      warnDown("heartbeat missed its " + heartbeatTimeout.toMillis() + " ms deadline");
    }
    listener.recompute();
  }

  private void heartbeatAnswered(long attempt, @Nullable Object reply, @Nullable Throwable error) {
    if (error != null) {
      synchronized (this) {
        if (generation == attempt) {
          heartbeatInFlight = false;
        }
      }
      // A heartbeat in flight when the connection drops fails before the disconnect listener
      // runs: that is a drop, not a stall, or the flush is counted under the wrong reason.
      if (error instanceof RedisCommandTimeoutException
          || error instanceof RedisCommandExecutionException) {
        stalled(attempt);
      } else {
        dropped(attempt, "connection lost");
      }
      return;
    }
    if (checkRole && !isMaster(reply)) {
      dropped(attempt, "the server is no longer the master (failover)");
      return;
    }
    boolean recovered;
    synchronized (this) {
      if (generation != attempt) {
        return;
      }
      heartbeatInFlight = false;
      recovered = state == State.STALLED;
      if (recovered) {
        // Pushes sent during the stall arrived before this answer on the same connection.
        state = State.ARMED;
        publish();
        LOG.info("Invalidations from Redis {} are heard again", node);
        warnedDown = false;
      }
    }
    if (recovered) {
      listener.recompute();
    }
  }

  private static boolean isMaster(@Nullable Object role) {
    return role instanceof List<?> parts
        && !parts.isEmpty()
        && "master".equals(text(parts.get(0)));
  }

  // ---------------------------------------------------------------- pushes

  private void onPush(long attempt, PushMessage message) {
    if (!"invalidate".equals(message.getType())) {
      return;
    }
    synchronized (this) {
      if (generation != attempt) {
        return;
      }
    }
    List<Object> content = message.getContent(TrackingConnection::bytes);
    Object keys = content.size() > 1 ? content.get(1) : null;
    if (keys == null) {
      listener.flushAll("flushall");
      return;
    }
    List<byte[]> names = new ArrayList<>();
    if (keys instanceof List<?> list) {
      for (Object key : list) {
        if (key instanceof byte[] name) {
          names.add(name);
        }
      }
    }
    listener.invalidated(names);
  }

  private static Object bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    return bytes;
  }

  private static @Nullable String text(Object value) {
    if (value instanceof byte[] bytes) {
      return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }
    return value == null ? null : value.toString();
  }

  synchronized io.strata.cache.redis.InvalidationStatus status() {
    return new io.strata.cache.redis.InvalidationStatus(
        node, state.name(), state == State.DOWN ? List.of() : serverFlags, serverPrefixes);
  }

  /** Closes the connection; the returned stage completes once it is closed. */
  synchronized CompletableFuture<Void> close() {
    state = State.CLOSED;
    publish();
    generation++;
    if (connection == null) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> closing = connection.closeAsync();
    connection = null;
    return closing;
  }

  @Override
  public synchronized String toString() {
    return "TrackingConnection{" + node + ", " + state + ", prefixes=" + armedPrefixes + '}';
  }
}
