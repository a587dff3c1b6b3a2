package io.strata.cache.redis.harness;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.jspecify.annotations.Nullable;

/**
 * One Redis server of a test: where it listens, a raw admin command channel, and (when this
 * harness started the process) real process control: pause, kill, restart.
 *
 * <p>{@link #command} opens a fresh connection per call (RESP2, authenticating with the
 * {@code requirepass} the harness knows of). On a TLS server it speaks TLS, trusting the
 * generated CA without host-name checks.
 */
public final class RedisNode {

  /** The default timeout of {@link #command(String...)}: connect plus reply. */
  public static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);

  private final String host;
  private final int port;
  private final String uri;
  private final @Nullable String username;
  private final @Nullable String password;
  private final int database;
  private final @Nullable SSLSocketFactory tls;
  private final @Nullable LocalProcess process;
  private final String origin;

  RedisNode(
      String host,
      int port,
      String uri,
      @Nullable String username,
      @Nullable String password,
      int database,
      @Nullable SSLSocketFactory tls,
      @Nullable LocalProcess process,
      String origin) {
    this.host = host;
    this.port = port;
    this.uri = uri;
    this.username = username;
    this.password = password;
    this.database = database;
    this.tls = tls;
    this.process = process;
    this.origin = origin;
  }

  /** The address to connect to, e.g. {@code 127.0.0.1}. */
  public String host() {
    return host;
  }

  /** The port (the TLS port for a TLS server). */
  public int port() {
    return port;
  }

  /**
   * A Lettuce-style URI: {@code redis://127.0.0.1:6390}, {@code rediss://localhost:6390} for TLS,
   * or {@code REDIS_URL} as given (with its credentials). Local servers' URIs carry no password.
   */
  public String uri() {
    return uri;
  }

  /** True if this harness started the process, so process control works. */
  public boolean isProcessLocal() {
    return process != null;
  }

  /** Pid of the redis-server process. */
  public long pid() {
    return local("pid()").pid();
  }

  /** Working directory of the local server (config, log, nodes.conf). */
  public Path dir() {
    return local("dir()").dir;
  }

  /** The last lines of the local server's log, for diagnostics. */
  public String logTail(int lines) {
    return local("logTail()").logTail(lines);
  }

  /**
   * Sends one command on a fresh connection and returns the reply: String, Long, List (of
   * replies) or null.
   *
   * @throws ErrorReplyException on an error reply, with its text
   * @throws UncheckedIOException when the server cannot be reached within {@link
   *     #COMMAND_TIMEOUT}
   */
  public @Nullable Object command(String... args) {
    return command(COMMAND_TIMEOUT, args);
  }

  /** {@link #command(String...)} with its own connect and reply timeout. */
  public @Nullable Object command(Duration timeout, String... args) {
    if (args.length == 0) {
      throw new IllegalArgumentException("no command");
    }
    try (Socket socket = open(timeout)) {
      OutputStream out = new BufferedOutputStream(socket.getOutputStream());
      InputStream in = new BufferedInputStream(socket.getInputStream());
      if (password != null) {
        if (username != null) {
          Resp.write(out, "AUTH", username, password);
        } else {
          Resp.write(out, "AUTH", password);
        }
        Resp.read(in);
      }
      if (database != 0) {
        Resp.write(out, "SELECT", Integer.toString(database));
        Resp.read(in);
      }
      Resp.write(out, args);
      return Resp.read(in);
    } catch (IOException e) {
      throw new UncheckedIOException(
          args[0] + " to " + host + ":" + port + " failed: " + e.getMessage(), e);
    }
  }

  /** {@code INFO section} as text. */
  public String info(String section) {
    return String.valueOf(command("INFO", section));
  }

  /** Freezes the process with SIGSTOP: connections stay open, nothing answers. */
  public void pause() {
    local("pause()").pause();
  }

  /** Thaws a {@link #pause() paused} process with SIGCONT. */
  public void resume() {
    local("resume()").resume();
  }

  /**
   * {@code CLIENT PAUSE <ms> ALL}: the server holds every client's commands for that long. Redis
   * 7.0 holds {@code CLIENT UNPAUSE} too, so keep it short; it cannot be ended early.
   */
  public void clientPause(Duration duration) {
    command("CLIENT", "PAUSE", Long.toString(duration.toMillis()), "ALL");
  }

  /** {@code CLIENT PAUSE <ms> WRITE}: reads go on, writes wait; {@link #clientUnpause()} ends it. */
  public void clientPauseWrites(Duration duration) {
    command("CLIENT", "PAUSE", Long.toString(duration.toMillis()), "WRITE");
  }

  /** {@code CLIENT UNPAUSE} (works after {@link #clientPauseWrites}). */
  public void clientUnpause() {
    command("CLIENT", "UNPAUSE");
  }

  /**
   * {@code CLIENT KILL <filters>}, e.g. {@code ("TYPE", "normal")} or {@code ("ID", "42")}; the
   * admin connection itself is skipped. Returns how many were killed.
   */
  public long clientKill(String... filterArgs) {
    if (filterArgs.length == 0 || filterArgs.length % 2 != 0) {
      throw new IllegalArgumentException("CLIENT KILL filters come in name/value pairs");
    }
    String[] args = new String[filterArgs.length + 2];
    args[0] = "CLIENT";
    args[1] = "KILL";
    System.arraycopy(filterArgs, 0, args, 2, filterArgs.length);
    return (Long) Objects.requireNonNull(command(args));
  }

  /** {@code CLIENT LIST} as text. */
  public String clientList() {
    return String.valueOf(command("CLIENT", "LIST"));
  }

  /** Returns the ids of the connections whose client name starts with {@code namePrefix}. */
  public java.util.List<String> clientIdsNamed(String namePrefix) {
    java.util.List<String> ids = new java.util.ArrayList<>();
    for (String line : clientList().split("\r?\n")) {
      if (line.contains(" name=" + namePrefix)) {
        ids.add(line.substring("id=".length(), line.indexOf(' ')));
      }
    }
    return ids;
  }

  /** Kills, by id, every connection whose client name starts with {@code namePrefix}. */
  public long killClientsNamed(String namePrefix) {
    long killed = 0;
    for (String id : clientIdsNamed(namePrefix)) {
      killed += clientKill("ID", id);
    }
    return killed;
  }

  /**
   * Returns how many times this server ran the given commands (lower case, as {@code INFO
   * commandstats} names them: {@code "evalsha"}, {@code "unlink"}).
   */
  public long commandCalls(String... commands) {
    long calls = 0;
    for (String line : info("commandstats").split("\r?\n")) {
      for (String command : commands) {
        if (line.startsWith("cmdstat_" + command + ":")) {
          String rest = line.substring(line.indexOf("calls=") + "calls=".length());
          calls += Long.parseLong(rest.substring(0, rest.indexOf(',')));
        }
      }
    }
    return calls;
  }

  /** Cluster: returns whether this node is the master serving {@code key}'s slot. */
  public boolean servesKey(String key) {
    long slot = (Long) Objects.requireNonNull(command("CLUSTER", "KEYSLOT", key));
    for (String line : String.valueOf(command("CLUSTER", "NODES")).split("\n")) {
      if (!line.contains("myself")) {
        continue;
      }
      String[] parts = line.trim().split(" ");
      for (int i = 8; i < parts.length; i++) {
        String[] range = parts[i].split("-");
        long from = Long.parseLong(range[0]);
        long to = range.length > 1 ? Long.parseLong(range[1]) : from;
        if (slot >= from && slot <= to) {
          return true;
        }
      }
    }
    return false;
  }

  /** {@code SHUTDOWN NOSAVE}, then waits for the process to exit (SIGKILL after 10 s). */
  public void shutdownNoSave() {
    LocalProcess p = local("shutdownNoSave()");
    if (!p.isAlive()) {
      return;
    }
    if (p.isPaused()) {
      p.resume();
    }
    try {
      command(Duration.ofSeconds(2), "SHUTDOWN", "NOSAVE");
    } catch (UncheckedIOException | ErrorReplyException expected) {
      // the server closes the connection without a reply; an error falls back to stop()
    }
    if (!p.awaitExit(10_000)) {
      p.stop();
    }
  }

  /**
   * Stops the server if it runs, then starts it again on the same port with the same config,
   * and waits until it answers PING. Data is lost (no persistence).
   */
  public void restart() {
    LocalProcess p = local("restart()");
    if (p.isAlive()) {
      shutdownNoSave();
    }
    p.launch();
    awaitReady(Duration.ofSeconds(20));
  }

  /** Local: the process is alive (paused counts). Remote: it answers PING within 1 s. */
  public boolean isRunning() {
    if (process != null) {
      return process.isAlive();
    }
    try {
      command(Duration.ofSeconds(1), "PING");
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Waits until the server answers (any reply but LOADING counts), or fails with its log. */
  void awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Exception last = null;
    while (System.nanoTime() - deadline < 0) {
      if (process != null && !process.isAlive()) {
        throw new IllegalStateException(
            "redis-server on port " + port + " exited during start" + process.logTail(30));
      }
      try (Socket socket = open(Duration.ofMillis(500))) {
        OutputStream out = socket.getOutputStream();
        Resp.write(out, "PING");
        Resp.read(socket.getInputStream());
        return;
      } catch (ErrorReplyException e) {
        if (!e.getMessage().startsWith("LOADING")) {
          return; // NOAUTH and friends: it is up
        }
        last = e;
      } catch (IOException | RuntimeException e) {
        last = e;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    String tail = process != null ? process.logTail(30) : "";
    throw new IllegalStateException(
        "Redis at " + host + ":" + port + " (" + origin + ") not ready after "
            + timeout.toMillis() + " ms: " + last + tail,
        last);
  }

  private Socket open(Duration timeout) throws IOException {
    int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    Socket plain = new Socket();
    try {
      plain.connect(new InetSocketAddress(host, port), millis);
      plain.setSoTimeout(millis);
      plain.setTcpNoDelay(true);
      if (tls == null) {
        return plain;
      }
      SSLSocket secure = (SSLSocket) tls.createSocket(plain, host, port, true);
      secure.setSoTimeout(millis);
      secure.startHandshake();
      return secure;
    } catch (IOException | RuntimeException e) {
      plain.close();
      throw e;
    }
  }

  @Nullable LocalProcess process() {
    return process;
  }

  private LocalProcess local(String what) {
    if (process == null) {
      throw new IllegalStateException(
          what + " needs a redis-server started by this harness (this one comes from " + origin
              + "): install redis-server and unset REDIS_URL/REDIS_CLUSTER_URL to run this test");
    }
    return process;
  }

  @Override
  public String toString() {
    return "RedisNode[" + uri + (process != null && process.isAlive() ? " pid " + process.pid() : "")
        + ", " + origin + "]";
  }

  /** An error reply from Redis; the message is the reply text, e.g. "ERR unknown command". */
  public static final class ErrorReplyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Wraps the error text. */
    public ErrorReplyException(String message) {
      super(message);
    }
  }
}
