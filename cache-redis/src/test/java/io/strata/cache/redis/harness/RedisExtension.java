package io.strata.cache.redis.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLSocketFactory;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Real Redis for a test class: {@code @RegisterExtension static final RedisExtension REDIS =
 * RedisExtension.standalone();} starts it before all tests and stops it after (every process it
 * started, by pid, and its temp dirs).
 *
 * <p>Where Redis comes from, in order: {@code REDIS_URL} (standalone without extra config lines;
 * {@code REDIS_CLUSTER_URL}, comma-separated nodes, for a cluster); {@code redis-server} on PATH
 * on free 127.0.0.1 ports, without persistence; Testcontainers {@code redis:7.0} when Docker
 * runs (standalone only); otherwise {@code beforeAll} fails saying how to get Redis. It never
 * skips. TLS and Sentinel always need a local redis-server.
 *
 * <p>Also usable by hand: {@link #start()}, {@link #stop()} / {@link #close()}. Registered on an
 * outer class, {@code @Nested} classes share the servers; the outermost class stops them.
 */
public final class RedisExtension implements BeforeAllCallback, AfterAllCallback, AutoCloseable {

  /** How to get Redis, the core of the message when none is found. */
  public static final String HOW_TO_GET_REDIS =
      "install redis-server (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew"
          + " install redis), or set REDIS_URL=redis://host:port, or start Docker";

  /** The master name the Sentinel monitors. */
  public static final String SENTINEL_MASTER_NAME = "strata-master";

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration TOPOLOGY_TIMEOUT = Duration.ofSeconds(30);
  private static final int CLUSTER_SLOTS = 16384;
  private static final int CLUSTER_MASTERS = 3;
  private static final int PORT_ATTEMPTS = 5;
  private static final Set<Integer> PORTS_HANDED_OUT = ConcurrentHashMap.newKeySet();

  /** What kind of deployment an extension starts. */
  public enum Mode {
    /** One server. */
    STANDALONE,
    /** Three masters, no replicas, slots spread evenly. */
    CLUSTER,
    /** One server speaking only TLS, with a per-run CA. */
    TLS,
    /** One master, one replica, one Sentinel. */
    SENTINEL
  }

  private final Mode mode;
  private final boolean clusterReplicas;
  private final List<String> extraConfig;
  private final @Nullable String password;
  private @Nullable String owner;
  private volatile @Nullable Running running;

  private RedisExtension(Mode mode, List<String> extraConfig) {
    this(mode, extraConfig, false);
  }

  private RedisExtension(Mode mode, List<String> extraConfig, boolean clusterReplicas) {
    this.mode = mode;
    this.clusterReplicas = clusterReplicas;
    this.extraConfig = List.copyOf(extraConfig);
    this.password = requirepass(this.extraConfig);
  }

  /** One server. */
  public static RedisExtension standalone() {
    return new RedisExtension(Mode.STANDALONE, List.of());
  }

  /**
   * One server with extra redis.conf lines, e.g. {@code "requirepass secret"}, {@code "user alice
   * on >pw ~* +@all"}. Needs a server of its own, so {@code REDIS_URL} is not used.
   */
  public static RedisExtension standalone(String... extraConfigLines) {
    return new RedisExtension(Mode.STANDALONE, List.of(extraConfigLines));
  }

  /** A cluster of three masters, no replicas, ready ({@code cluster_state:ok} on every node). */
  public static RedisExtension cluster() {
    return new RedisExtension(Mode.CLUSTER, List.of());
  }

  /**
   * A cluster of three masters, each with one replica ({@link #replicas()}, in the order of their
   * masters in {@link #nodes()}), for failover tests. Needs redis-server on PATH.
   */
  public static RedisExtension clusterWithReplicas() {
    return new RedisExtension(Mode.CLUSTER, List.of(), true);
  }

  /** A TLS-only server ({@code port 0}, {@code tls-port}) with certificates made for this run. */
  public static RedisExtension tls() {
    return new RedisExtension(Mode.TLS, List.of());
  }

  /** One master, one replica and one Sentinel monitoring {@link #SENTINEL_MASTER_NAME}. */
  public static RedisExtension sentinel() {
    return new RedisExtension(Mode.SENTINEL, List.of());
  }

  /** The kind of deployment. */
  public Mode mode() {
    return mode;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    synchronized (this) {
      if (running != null) {
        return; // an enclosing class already started it
      }
      start();
      owner = context.getUniqueId();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    synchronized (this) {
      if (context.getUniqueId().equals(owner)) {
        owner = null;
        stop();
      }
    }
  }

  /** Starts the servers and waits until they are ready. */
  public synchronized void start() {
    if (running != null) {
      throw new IllegalStateException("already started: " + running.nodes);
    }
    Running r = new Running();
    try {
      switch (mode) {
        case STANDALONE:
          startStandalone(r);
          break;
        case CLUSTER:
          startCluster(r);
          break;
        case TLS:
          startTls(r);
          break;
        case SENTINEL:
          startSentinel(r);
          break;
        default:
          throw new AssertionError(mode);
      }
    } catch (RuntimeException | Error e) {
      try {
        r.stop();
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
    running = r;
  }

  /** Stops every process it started (by pid) and deletes its temp dirs. Idempotent. */
  public synchronized void stop() {
    Running r = running;
    running = null;
    if (r != null) {
      r.stop();
    }
  }

  /** Same as {@link #stop()}. */
  @Override
  public void close() {
    stop();
  }

  /** True between {@link #start()} and {@link #stop()}. */
  public boolean isStarted() {
    return running != null;
  }

  /** The server (standalone, TLS) or the initial master (Sentinel). */
  public RedisNode server() {
    Running r = state();
    if (mode == Mode.CLUSTER) {
      throw new IllegalStateException("a cluster has no single server(): use nodes()");
    }
    return r.nodes.get(0);
  }

  /** The data nodes: cluster masters, or the standalone server, or master then replica. */
  public List<RedisNode> nodes() {
    return Collections.unmodifiableList(state().nodes);
  }

  /** The replicas: Sentinel mode, or a cluster with replicas (one per master, in order). */
  public List<RedisNode> replicas() {
    return Collections.unmodifiableList(state().replicas);
  }

  /** Sentinel mode: the Sentinel processes. */
  public List<RedisNode> sentinels() {
    return Collections.unmodifiableList(state().sentinels);
  }

  /** Sentinel mode: the monitored master's name. */
  public String masterName() {
    return SENTINEL_MASTER_NAME;
  }

  /** Sentinel mode: {@code redis-sentinel://127.0.0.1:<port>#strata-master} for Lettuce. */
  public String sentinelUri() {
    List<RedisNode> s = state().sentinels;
    if (s.isEmpty()) {
      throw new IllegalStateException("not a sentinel deployment: " + mode);
    }
    StringBuilder sb = new StringBuilder("redis-sentinel://");
    for (int i = 0; i < s.size(); i++) {
      sb.append(i == 0 ? "" : ",").append(s.get(i).host()).append(':').append(s.get(i).port());
    }
    return sb.append('#').append(SENTINEL_MASTER_NAME).toString();
  }

  /** The URI of the server or of the first node. */
  public String uri() {
    return state().nodes.get(0).uri();
  }

  /** TLS mode: the CA and server certificate of this run. */
  public TlsMaterial tlsMaterial() {
    TlsMaterial t = state().tls;
    if (t == null) {
      throw new IllegalStateException("not a TLS deployment: " + mode);
    }
    return t;
  }

  /** FLUSHALL on every data node (replicas, which refuse it, are skipped). */
  public void flushAll() {
    for (RedisNode node : state().nodes) {
      try {
        node.command("FLUSHALL");
      } catch (RedisNode.ErrorReplyException e) {
        if (!e.getMessage().startsWith("READONLY")) {
          throw e;
        }
      }
    }
  }

  /** True if every server is a process this harness started (process control works). */
  public boolean isProcessLocal() {
    Running r = state();
    return allLocal(r.nodes) && allLocal(r.replicas) && allLocal(r.sentinels);
  }

  @Override
  public String toString() {
    Running r = running;
    return "RedisExtension[" + mode + (r == null ? ", stopped" : ", " + r.nodes) + "]";
  }

  private static boolean allLocal(List<RedisNode> nodes) {
    return nodes.stream().allMatch(RedisNode::isProcessLocal);
  }

  private Running state() {
    Running r = running;
    if (r == null) {
      throw new IllegalStateException(
          "RedisExtension not started: register it on a static field with @RegisterExtension,"
              + " or call start()");
    }
    return r;
  }

  // ---------------------------------------------------------------- standalone

  private void startStandalone(Running r) {
    String url = env("REDIS_URL");
    if (url != null && extraConfig.isEmpty()) {
      RedisNode node = remote(url, "REDIS_URL");
      node.awaitReady(READY_TIMEOUT);
      r.nodes.add(node);
      return;
    }
    if (LocalProcess.findRedisServer().isPresent()) {
      r.nodes.add(startLocal(r, "standalone", (port, bus) -> baseConfig(port), List.of()).node);
      return;
    }
    if (ContainerSource.dockerAvailable()) {
      ContainerSource.Started c = ContainerSource.start(extraConfig);
      r.container = c;
      RedisNode node =
          new RedisNode(c.host, c.port, "redis://" + c.host + ":" + c.port, null, password, 0,
              null, null, "Testcontainers " + ContainerSource.IMAGE);
      node.awaitReady(READY_TIMEOUT);
      r.nodes.add(node);
      return;
    }
    throw noRedis(extraConfig.isEmpty() ? "" : " (extra config lines need a server of its own,"
        + " REDIS_URL is not used for them)");
  }

  // ---------------------------------------------------------------- cluster

  private void startCluster(Running r) {
    String urls = env("REDIS_CLUSTER_URL");
    if (urls != null) {
      for (String part : urls.split(",")) {
        String u = part.trim();
        if (u.isEmpty()) {
          continue;
        }
        RedisNode node = remote(u.contains("://") ? u : "redis://" + u, "REDIS_CLUSTER_URL");
        node.awaitReady(READY_TIMEOUT);
        r.nodes.add(node);
      }
      if (r.nodes.isEmpty()) {
        throw new IllegalStateException("REDIS_CLUSTER_URL is set but names no node: " + urls);
      }
      for (RedisNode node : r.nodes) {
        Await.until(TOPOLOGY_TIMEOUT,
            () -> node.command("CLUSTER", "INFO").toString().contains("cluster_state:ok"),
            "cluster_state:ok on " + node);
      }
      return;
    }
    if (LocalProcess.findRedisServer().isEmpty()) {
      throw noRedis(" (a cluster needs redis-server on PATH or REDIS_CLUSTER_URL=host:port,...;"
          + " Docker is not used for clusters)");
    }
    List<Local> masters = new ArrayList<>();
    for (int i = 0; i < CLUSTER_MASTERS; i++) {
      Local m = startLocal(r, "cluster-" + i, (port, bus) -> {
        List<String> lines = baseConfig(port);
        lines.add("cluster-enabled yes");
        lines.add("cluster-config-file nodes.conf");
        lines.add("cluster-node-timeout 5000");
        lines.add("cluster-port " + bus);
        return lines;
      }, List.of());
      masters.add(m);
      r.nodes.add(m.node);
    }
    for (int i = 0; i < CLUSTER_MASTERS; i++) {
      RedisNode node = masters.get(i).node;
      int from = i * CLUSTER_SLOTS / CLUSTER_MASTERS;
      int to = (i + 1) * CLUSTER_SLOTS / CLUSTER_MASTERS - 1;
      node.command("CLUSTER", "SET-CONFIG-EPOCH", Integer.toString(i + 1));
      node.command("CLUSTER", "ADDSLOTSRANGE", Integer.toString(from), Integer.toString(to));
    }
    RedisNode first = masters.get(0).node;
    for (int i = 1; i < CLUSTER_MASTERS; i++) {
      Local m = masters.get(i);
      first.command("CLUSTER", "MEET", m.node.host(), Integer.toString(m.node.port()),
          Integer.toString(m.busPort));
    }
    for (RedisNode node : r.nodes) {
      Await.until(TOPOLOGY_TIMEOUT, () -> clusterReady(node, CLUSTER_MASTERS),
          "cluster_state:ok with " + CLUSTER_MASTERS + " masters seen by " + node);
    }
    if (clusterReplicas) {
      addClusterReplicas(r, masters);
    }
  }

  private void addClusterReplicas(Running r, List<Local> masters) {
    RedisNode first = masters.get(0).node;
    for (int i = 0; i < CLUSTER_MASTERS; i++) {
      Local replica = startLocal(r, "cluster-replica-" + i, (port, bus) -> {
        List<String> lines = baseConfig(port);
        lines.add("cluster-enabled yes");
        lines.add("cluster-config-file nodes.conf");
        lines.add("cluster-node-timeout 5000");
        lines.add("cluster-port " + bus);
        return lines;
      }, List.of());
      first.command("CLUSTER", "MEET", replica.node.host(), Integer.toString(replica.node.port()),
          Integer.toString(replica.busPort));
      r.replicas.add(replica.node);
    }
    for (int i = 0; i < CLUSTER_MASTERS; i++) {
      RedisNode replica = r.replicas.get(i);
      String masterId = String.valueOf(masters.get(i).node.command("CLUSTER", "MYID"));
      Await.until(TOPOLOGY_TIMEOUT,
          () -> String.valueOf(replica.command("CLUSTER", "NODES")).contains(masterId),
          "replica " + replica + " to know its master");
      replica.command("CLUSTER", "REPLICATE", masterId);
    }
    for (RedisNode replica : r.replicas) {
      Await.until(TOPOLOGY_TIMEOUT,
          () -> replica.info("replication").contains("master_link_status:up"),
          "replica " + replica + " in sync");
    }
    for (RedisNode node : r.nodes) {
      Await.until(TOPOLOGY_TIMEOUT,
          () -> String.valueOf(node.command("CLUSTER", "INFO"))
              .contains("cluster_known_nodes:" + 2 * CLUSTER_MASTERS + "\r"),
          "every node to know the replicas");
    }
  }

  private static boolean clusterReady(RedisNode node, int masters) {
    String info = String.valueOf(node.command("CLUSTER", "INFO"));
    if (!info.contains("cluster_state:ok")
        || !info.contains("cluster_known_nodes:" + masters + "\r")
        || !info.contains("cluster_slots_ok:" + CLUSTER_SLOTS + "\r")) {
      return false;
    }
    String[] lines = String.valueOf(node.command("CLUSTER", "NODES")).trim().split("\n");
    if (lines.length != masters) {
      return false;
    }
    for (String line : lines) {
      if (!line.contains("master") || line.contains("handshake") || line.contains("noaddr")
          || line.contains("fail") || !line.contains(" connected")) {
        return false;
      }
    }
    return true;
  }

  // ---------------------------------------------------------------- TLS

  private void startTls(Running r) {
    if (LocalProcess.findRedisServer().isEmpty()) {
      throw noRedis(" (TLS tests need redis-server on PATH: the harness makes its certificates)");
    }
    Path dir = r.root().resolve("tls-material");
    TlsMaterial tls = TlsMaterial.generate(dir);
    r.tls = tls;
    SSLSocketFactory factory = tls.sslContext().getSocketFactory();
    r.nodes.add(startLocal(r, "tls", (port, bus) -> {
      List<String> lines = baseConfig(0);
      lines.add("tls-port " + port);
      lines.addAll(tls.redisConfigLines());
      return lines;
    }, List.of(), factory, "rediss://localhost:").node);
  }

  // ---------------------------------------------------------------- Sentinel

  private void startSentinel(Running r) {
    if (LocalProcess.findRedisServer().isEmpty()) {
      throw noRedis(" (Sentinel tests need redis-server on PATH)");
    }
    RedisNode master = startLocal(r, "master", (port, bus) -> {
      List<String> lines = baseConfig(port);
      lines.add("repl-diskless-sync-delay 0"); // the default makes a replica wait 5 s
      return lines;
    }, List.of()).node;
    r.nodes.add(master);
    String masterPort = Integer.toString(master.port());
    RedisNode replica = startLocal(r, "replica", (port, bus) -> {
      List<String> lines = baseConfig(port);
      lines.add("replicaof 127.0.0.1 " + masterPort);
      if (password != null) {
        lines.add("masterauth \"" + password + "\"");
      }
      return lines;
    }, List.of()).node;
    r.nodes.add(replica);
    r.replicas.add(replica);
    Await.until(TOPOLOGY_TIMEOUT, () -> replica.info("replication").contains("master_link_status:up"),
        "replica " + replica + " in sync with " + master);
    RedisNode sentinel = startLocal(r, "sentinel", (port, bus) -> {
      Path dir = r.root().resolve("sentinel");
      List<String> lines = new ArrayList<>();
      lines.add("bind 127.0.0.1");
      lines.add("port " + port);
      lines.add("daemonize no");
      lines.add("dir \"" + dir + "\"");
      lines.add("logfile \"" + dir.resolve("redis.log") + "\"");
      lines.add("sentinel monitor " + SENTINEL_MASTER_NAME + " 127.0.0.1 " + masterPort + " 1");
      lines.add("sentinel down-after-milliseconds " + SENTINEL_MASTER_NAME + " 2000");
      lines.add("sentinel failover-timeout " + SENTINEL_MASTER_NAME + " 10000");
      if (password != null) {
        lines.add("sentinel auth-pass " + SENTINEL_MASTER_NAME + " \"" + password + "\"");
      }
      return lines;
    }, List.of("--sentinel"), null, "redis://127.0.0.1:", false).node;
    r.sentinels.add(sentinel);
    Await.until(TOPOLOGY_TIMEOUT, () -> {
      Object addr = sentinel.command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", SENTINEL_MASTER_NAME);
      Object replicas = sentinel.command("SENTINEL", "REPLICAS", SENTINEL_MASTER_NAME);
      return addr instanceof List && ((List<?>) addr).contains(masterPort)
          && replicas instanceof List && !((List<?>) replicas).isEmpty();
    }, "sentinel " + sentinel + " to know master " + master + " and its replica");
  }

  // ---------------------------------------------------------------- local processes

  /** Config lines for one data node: the port, then the extension's extra lines. */
  private interface ConfigTemplate {
    List<String> lines(int port, int busPort);
  }

  private static final class Local {
    final RedisNode node;
    final int busPort;

    Local(RedisNode node, int busPort) {
      this.node = node;
      this.busPort = busPort;
    }
  }

  private Local startLocal(Running r, String name, ConfigTemplate template, List<String> args) {
    return startLocal(r, name, template, args, null, "redis://127.0.0.1:", true);
  }

  private Local startLocal(Running r, String name, ConfigTemplate template, List<String> args,
      @Nullable SSLSocketFactory tls, String uriPrefix) {
    return startLocal(r, name, template, args, tls, uriPrefix, true);
  }

  /** Starts one redis-server on fresh free ports; retries when a port was taken meanwhile. */
  private Local startLocal(Running r, String name, ConfigTemplate template, List<String> args,
      @Nullable SSLSocketFactory tls, String uriPrefix, boolean dataNode) {
    Path dir = r.root().resolve(name);
    IllegalStateException last = null;
    for (int attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
      int port = freePort();
      int bus = freePort();
      List<String> lines = new ArrayList<>(template.lines(port, bus));
      if (dataNode) {
        lines.addAll(extraConfig);
      }
      LocalProcess process;
      try {
        LocalProcess.deleteRecursively(dir);
        Files.createDirectories(dir);
        Path conf = dir.resolve("redis.conf");
        Files.write(conf, lines, StandardCharsets.UTF_8);
        process = new LocalProcess(dir, conf, dir.resolve("redis.log"), args);
      } catch (IOException e) {
        throw new UncheckedIOException("could not prepare " + dir, e);
      }
      r.processes.add(process);
      process.launch();
      RedisNode node = new RedisNode("127.0.0.1", port, uriPrefix + port, null,
          dataNode ? password : null, 0, tls, process, "local redis-server");
      try {
        node.awaitReady(READY_TIMEOUT);
        return new Local(node, bus);
      } catch (IllegalStateException e) {
        String log = process.logTail(30);
        process.stop();
        r.processes.remove(process);
        if (!log.contains("Address already in use")) {
          throw e;
        }
        last = e;
      }
    }
    throw new IllegalStateException(
        "no free port for " + name + " after " + PORT_ATTEMPTS + " attempts", last);
  }

  private static List<String> baseConfig(int port) {
    // relative to the process's working directory, which is the node's own temp dir
    List<String> lines = new ArrayList<>();
    lines.add("bind 127.0.0.1");
    lines.add("port " + port);
    lines.add("daemonize no");
    lines.add("dir ./");
    lines.add("logfile redis.log");
    lines.add("save \"\"");
    lines.add("appendonly no");
    return lines;
  }

  /** A free port on 127.0.0.1, never one this JVM handed out before. */
  private static int freePort() {
    for (int i = 0; i < 100; i++) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
        int port = s.getLocalPort();
        if (PORTS_HANDED_OUT.add(port)) {
          return port;
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot open a loopback port", e);
      }
    }
    throw new IllegalStateException("no fresh free port found");
  }

  // ---------------------------------------------------------------- helpers

  private static RedisNode remote(String url, String origin) {
    URI uri = URI.create(url);
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("redis") && !scheme.equals("rediss")) {
      throw new IllegalStateException(origin + " must be redis://host:port or rediss://...: " + url);
    }
    String host = uri.getHost();
    if (host == null) {
      throw new IllegalStateException(origin + " has no host: " + url);
    }
    int port = uri.getPort() > 0 ? uri.getPort() : 6379;
    String user = null;
    String pass = null;
    String info = uri.getRawUserInfo();
    if (info != null && !info.isEmpty()) {
      int colon = info.indexOf(':');
      if (colon < 0) {
        pass = decode(info);
      } else {
        String u = decode(info.substring(0, colon));
        user = u.isEmpty() ? null : u;
        pass = decode(info.substring(colon + 1));
      }
    }
    int db = 0;
    String path = uri.getPath();
    if (path != null && path.length() > 1) {
      db = Integer.parseInt(path.substring(1));
    }
    SSLSocketFactory tls =
        scheme.equals("rediss") ? (SSLSocketFactory) SSLSocketFactory.getDefault() : null;
    return new RedisNode(host, port, url, user, pass, db, tls, null, origin + "=" + url);
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  private static @Nullable String env(String name) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? null : v.trim();
  }

  private static @Nullable String requirepass(List<String> lines) {
    String pass = null;
    for (String line : lines) {
      String[] words = line.trim().split("\\s+", 2);
      if (words.length == 2 && words[0].equalsIgnoreCase("requirepass")) {
        pass = words[1].trim();
        if (pass.length() >= 2 && pass.startsWith("\"") && pass.endsWith("\"")) {
          pass = pass.substring(1, pass.length() - 1);
        }
      }
    }
    return pass;
  }

  private IllegalStateException noRedis(String detail) {
    return new IllegalStateException(
        "No Redis for " + mode + " tests: redis-server is not on PATH and Docker is not"
            + " available. To run them, " + HOW_TO_GET_REDIS + "." + detail);
  }

  /** What one started deployment owns. */
  private static final class Running {
    final List<RedisNode> nodes = new ArrayList<>();
    final List<RedisNode> replicas = new ArrayList<>();
    final List<RedisNode> sentinels = new ArrayList<>();
    final List<LocalProcess> processes = new ArrayList<>();
    @Nullable TlsMaterial tls;
    @Nullable AutoCloseable container;
    private @Nullable Path root;

    Path root() {
      if (root == null) {
        try {
          root = Files.createTempDirectory("strata-redis-");
        } catch (IOException e) {
          throw new UncheckedIOException("cannot create a temp dir", e);
        }
      }
      return root;
    }

    /** Stops processes newest first, removes the container and the temp dir. */
    void stop() {
      RuntimeException failure = null;
      for (int i = processes.size() - 1; i >= 0; i--) {
        try {
          processes.get(i).stop();
        } catch (RuntimeException e) {
          failure = add(failure, e);
        }
      }
      processes.clear();
      if (container != null) {
        try {
          container.close();
        } catch (Exception e) {
          failure = add(failure, new IllegalStateException("could not stop the container", e));
        }
        container = null;
      }
      if (root != null) {
        try {
          LocalProcess.deleteRecursively(root);
        } catch (RuntimeException e) {
          failure = add(failure, e);
        }
      }
      if (failure != null) {
        throw failure;
      }
    }

    private static RuntimeException add(@Nullable RuntimeException first, RuntimeException next) {
      if (first == null) {
        return next;
      }
      first.addSuppressed(next);
      return first;
    }
  }
}
