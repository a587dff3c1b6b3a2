package io.strata.cache.redis.internal;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * Why Redis could not serve: a low-cardinality {@link Kind} (for logs, health and metrics tags)
 * and a short detail (the innermost exception's class and message, or the error code). Immutable
 * and thread-safe; {@link #of} never throws.
 *
 * <p>Lettuce wraps what went wrong two or three times ({@code RedisConnectionException} around a
 * Netty exception around a JDK one), so {@link #of} walks the causes from the innermost outwards
 * and takes the first it recognises.
 */
public record OutageCause(Kind kind, String detail) {

  /** The classes of causes. */
  public enum Kind {
    /** Nothing listens at the address (a stopped server, a closed port). */
    CONNECTION_REFUSED("connection-refused", "connection refused"),
    /** A connect or a command did not finish in time (a paused, overloaded or unreachable host). */
    TIMEOUT("timeout", "timeout"),
    /** The TLS handshake failed: an untrusted certificate, a host name it does not cover, no TLS. */
    TLS("tls", "TLS handshake failed"),
    /** The server refused the credentials or the user's rights: WRONGPASS, NOAUTH, NOPERM. */
    AUTHENTICATION("authentication", "authentication failed"),
    /** The host name does not resolve. */
    UNKNOWN_HOST("unknown-host", "unknown host"),
    /** The server answered with an error that means it cannot serve now (LOADING, BUSY, ...). */
    ERROR_REPLY("error-reply", "error reply"),
    /** The connection was closed or reset, or is not open. */
    CONNECTION_CLOSED("connection-closed", "connection closed"),
    /** Anything else. */
    OTHER("other", "failure");

    private final String tag;
    private final String text;

    Kind(String tag, String text) {
      this.tag = tag;
      this.text = text;
    }

    /** Returns the low-cardinality name, e.g. {@code connection-refused}, for tags and logs. */
    public String tag() {
      return tag;
    }

    /** Returns the words for people, e.g. {@code connection refused}. */
    public String text() {
      return text;
    }
  }

  /**
   * Error codes whose reply means the server cannot serve commands now, rather than that the
   * command was wrong: a breaker counts them as failures.
   */
  private static final Set<String> UNAVAILABLE_CODES =
      Set.of(
          "LOADING", // loading the dataset after a restart
          "BUSY", // a script or function runs past busy-reply-threshold
          "MASTERDOWN", // a replica lost its master
          "CLUSTERDOWN", // the cluster has no quorum or uncovered slots
          "TRYAGAIN", // resharding
          "NOREPLICAS", // min-replicas-to-write not met
          "OOM", // a write over maxmemory
          "READONLY", // a write to a replica (after a failover)
          "MISCONF", // writes refused since the last RDB save failed
          "NOAUTH",
          "WRONGPASS",
          "NOPERM");

  private static final Set<String> AUTHENTICATION_CODES = Set.of("NOAUTH", "WRONGPASS", "NOPERM");

  private static final int MAX_DETAIL = 200;
  private static final int MAX_DEPTH = 16;

  /** Returns the cause class of {@code error}, looking through its causes. */
  public static OutageCause of(Throwable error) {
    List<Throwable> chain = new ArrayList<>();
    for (Throwable t = error; t != null && chain.size() < MAX_DEPTH && !chain.contains(t);
        t = t.getCause()) {
      chain.add(t);
    }
    for (int i = chain.size() - 1; i >= 0; i--) {
      Throwable t = chain.get(i);
      Kind kind = kindOf(t);
      if (kind != null) {
        String code = errorCode(t);
        return new OutageCause(
            kind, kind == Kind.ERROR_REPLY && code != null ? code : describe(t));
      }
    }
    return new OutageCause(Kind.OTHER, describe(chain.get(chain.size() - 1)));
  }

  /**
   * Returns whether an error reply means the server cannot serve now (LOADING, BUSY, OOM, ...),
   * as opposed to an error about the command itself (WRONGTYPE, NOSCRIPT, a syntax error).
   */
  public static boolean meansUnavailable(RedisCommandExecutionException reply) {
    String code = errorCode(reply);
    return code != null && UNAVAILABLE_CODES.contains(code);
  }

  private static @Nullable Kind kindOf(Throwable t) {
    if (t instanceof RedisCommandExecutionException) {
      String code = errorCode(t);
      if (code != null && AUTHENTICATION_CODES.contains(code)) {
        return Kind.AUTHENTICATION;
      }
      return code != null && UNAVAILABLE_CODES.contains(code) ? Kind.ERROR_REPLY : null;
    }
    if (t instanceof SSLException
        || t instanceof GeneralSecurityException // certificate path and validity checks
        || t.getClass().getName().equals("io.netty.handler.ssl.NotSslRecordException")) {
      return Kind.TLS;
    }
    if (t instanceof UnknownHostException) {
      return Kind.UNKNOWN_HOST;
    }
    // Netty's ConnectTimeoutException is a ConnectException: ask about timeouts first.
    if (t instanceof RedisCommandTimeoutException
        || t instanceof TimeoutException
        || t instanceof SocketTimeoutException
        || t.getClass().getName().equals("io.netty.channel.ConnectTimeoutException")) {
      return Kind.TIMEOUT;
    }
    if (t instanceof ConnectException) {
      return Kind.CONNECTION_REFUSED;
    }
    if (t instanceof ClosedChannelException) {
      return Kind.CONNECTION_CLOSED;
    }
    String message = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
    if (t instanceof IOException && message.contains("connection reset")) {
      return Kind.CONNECTION_CLOSED;
    }
    if ((t instanceof RedisConnectionException || t instanceof io.lettuce.core.RedisException)
        && (message.contains("connection closed")
            || message.contains("connection disconnected") // in flight when the channel closed
            || message.contains("connection lost")
            || message.contains("not connected"))) {
      return Kind.CONNECTION_CLOSED;
    }
    return null;
  }

  /** Returns the error code of an error reply (its first word, e.g. LOADING), or null. */
  private static @Nullable String errorCode(Throwable t) {
    if (!(t instanceof RedisCommandExecutionException) || t.getMessage() == null) {
      return null;
    }
    String message = t.getMessage().strip();
    int space = message.indexOf(' ');
    String code = space < 0 ? message : message.substring(0, space);
    return code.isEmpty() || !code.chars().allMatch(c -> c >= 'A' && c <= 'Z') ? null : code;
  }

  private static String describe(Throwable t) {
    String text = t.getClass().getSimpleName() + ": " + t.getMessage();
    text = text.replace('\n', ' ').replace('\r', ' ');
    return text.length() <= MAX_DETAIL ? text : text.substring(0, MAX_DETAIL) + "...";
  }

  /** Returns the kind's words and the detail, e.g. {@code error reply LOADING}. */
  @Override
  public String toString() {
    return kind == Kind.ERROR_REPLY
        ? kind.text() + " " + detail
        : kind.text() + " (" + detail + ")";
  }
}
