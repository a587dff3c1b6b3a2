package io.strata.cache.redis.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.SslVerifyMode;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Proves the harness against real servers: processes, faults, cluster, TLS, Sentinel. */
class HarnessIT {

  @RegisterExtension static final RedisExtension REDIS = RedisExtension.standalone();
  @RegisterExtension static final RedisExtension CLUSTER = RedisExtension.cluster();
  @RegisterExtension static final RedisExtension TLS = RedisExtension.tls();
  @RegisterExtension static final RedisExtension SENTINEL = RedisExtension.sentinel();

  private static final Duration SHORT = Duration.ofMillis(200);
  private static final Duration PATIENCE = Duration.ofSeconds(15);

  private static ClientResources resources;

  @BeforeAll
  static void lettuce() {
    resources = DefaultClientResources.create();
  }

  @AfterAll
  static void lettuceDone() {
    resources.shutdown(0, 2, TimeUnit.SECONDS);
  }

  private static RedisClient client(String uri, Duration timeout) {
    RedisURI redisUri = RedisURI.create(uri);
    redisUri.setTimeout(timeout);
    return RedisClient.create(resources, redisUri);
  }

  private static boolean pings(RedisCommands<String, String> sync) {
    return "PONG".equals(sync.ping());
  }

  // ------------------------------------------------------------ standalone

  @Test
  void standaloneAnswersRawCommands() {
    RedisNode node = REDIS.server();
    assertThat(REDIS.isProcessLocal()).isTrue();
    assertThat(node.uri()).isEqualTo("redis://127.0.0.1:" + node.port());
    assertThat(node.command("PING")).isEqualTo("PONG");
    assertThat(node.command("SET", "harness:k", "välue")).isEqualTo("OK");
    assertThat(node.command("GET", "harness:k")).isEqualTo("välue");
    assertThat(node.command("GET", "harness:missing")).isNull();
    assertThat(node.command("INCRBY", "harness:n", "5")).isEqualTo(5L);
    assertThat(node.command("MGET", "harness:k", "harness:missing"))
        .isEqualTo(java.util.Arrays.asList("välue", null));
    assertThat(node.info("server")).contains("redis_version:", "tcp_port:" + node.port());
    assertThat(node.info("persistence")).contains("aof_enabled:0");
    assertThat(node.command("CONFIG", "GET", "save")).isEqualTo(List.of("save", ""));
    assertThatThrownBy(() -> node.command("NOSUCHCOMMAND"))
        .isInstanceOf(RedisNode.ErrorReplyException.class)
        .hasMessageContaining("unknown command");
    REDIS.flushAll();
    assertThat(node.command("DBSIZE")).isEqualTo(0L);
  }

  @Test
  void restartKeepsThePortAndDropsTheData() {
    RedisNode node = REDIS.server();
    int port = node.port();
    long pid = node.pid();
    node.command("SET", "harness:before-restart", "1");
    try (RedisClient client = client(node.uri(), Duration.ofSeconds(2));
        StatefulRedisConnection<String, String> conn = client.connect()) {
      assertThat(pings(conn.sync())).isTrue();
      node.restart();
      assertThat(node.port()).isEqualTo(port);
      assertThat(node.pid()).isNotEqualTo(pid);
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
      assertThat(node.isRunning()).isTrue();
      assertThat(node.command("GET", "harness:before-restart")).isNull();
      Await.until(PATIENCE, () -> pings(conn.sync()), "Lettuce to reconnect after restart");
    }
  }

  @Test
  void shutdownNoSaveThenRestart() {
    RedisNode node = REDIS.server();
    long pid = node.pid();
    node.shutdownNoSave();
    assertThat(node.isRunning()).isFalse();
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThatThrownBy(() -> node.command(Duration.ofMillis(500), "PING"))
        .isInstanceOf(java.io.UncheckedIOException.class);
    node.restart();
    assertThat(node.command("PING")).isEqualTo("PONG");
  }

  @Test
  void pauseMakesCommandsTimeOutAndResumeHeals() {
    RedisNode node = REDIS.server();
    try (RedisClient client = client(node.uri(), Duration.ofSeconds(5));
        StatefulRedisConnection<String, String> conn = client.connect()) {
      RedisCommands<String, String> sync = conn.sync();
      assertThat(pings(sync)).isTrue();
      conn.setTimeout(SHORT); // connect with patience, then run commands on a short fuse
      node.pause();
      try {
        assertThat(node.isRunning()).isTrue();
        assertThatThrownBy(sync::ping).isInstanceOf(RedisCommandTimeoutException.class);
      } finally {
        node.resume();
      }
      Await.until(PATIENCE, () -> pings(sync), "PING to work after resume");
    }
  }

  @Test
  void clientPauseHoldsCommandsForItsDuration() {
    RedisNode node = REDIS.server();
    try (RedisClient client = client(node.uri(), Duration.ofSeconds(5));
        StatefulRedisConnection<String, String> conn = client.connect()) {
      RedisCommands<String, String> sync = conn.sync();
      assertThat(pings(sync)).isTrue();
      conn.setTimeout(SHORT); // connect with patience, then run commands on a short fuse
      node.clientPause(Duration.ofMillis(1500));
      assertThatThrownBy(() -> sync.set("harness:paused", "x"))
          .isInstanceOf(RedisCommandTimeoutException.class);
      Await.until(PATIENCE, () -> "x".equals(sync.get("harness:paused")), "the paused SET");
    }
  }

  @Test
  void clientPauseWritesLetsReadsThroughUntilUnpause() {
    RedisNode node = REDIS.server();
    try (RedisClient client = client(node.uri(), Duration.ofSeconds(5));
        StatefulRedisConnection<String, String> conn = client.connect()) {
      RedisCommands<String, String> sync = conn.sync();
      sync.set("harness:w", "1");
      conn.setTimeout(SHORT);
      node.clientPauseWrites(Duration.ofSeconds(30));
      try {
        assertThat(sync.get("harness:w")).isEqualTo("1");
        assertThatThrownBy(() -> sync.set("harness:w", "2"))
            .isInstanceOf(RedisCommandTimeoutException.class);
      } finally {
        node.clientUnpause();
      }
      Await.until(PATIENCE, () -> "2".equals(sync.get("harness:w")), "the paused write");
    }
  }

  @Test
  void clientKillDropsALettuceConnectionWhichReconnects() {
    RedisNode node = REDIS.server();
    try (RedisClient client = client(node.uri(), Duration.ofSeconds(2));
        StatefulRedisConnection<String, String> conn = client.connect()) {
      RedisCommands<String, String> sync = conn.sync();
      long id = sync.clientId();
      assertThat(node.clientList()).contains("id=" + id + " ");
      assertThat(node.clientKill("ID", Long.toString(id))).isEqualTo(1L);
      assertThat(node.clientList()).doesNotContain("id=" + id + " ");
      Await.until(PATIENCE, () -> sync.clientId() != id, "Lettuce to reconnect with a new id");
      assertThat(node.clientKill("TYPE", "normal")).isGreaterThanOrEqualTo(1L);
      Await.until(PATIENCE, () -> pings(sync), "Lettuce to reconnect after TYPE normal");
    }
  }

  @Test
  void processControlOnARemoteServerSaysItNeedsALocalOne() {
    RedisNode remote =
        new RedisNode("127.0.0.1", REDIS.server().port(), "redis://x", null, null, 0, null, null,
            "REDIS_URL=redis://x");
    assertThat(remote.isProcessLocal()).isFalse();
    assertThat(remote.command("PING")).isEqualTo("PONG");
    assertThatThrownBy(remote::pause)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("needs a redis-server started by this harness");
    assertThatThrownBy(remote::restart).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(remote::pid).isInstanceOf(IllegalStateException.class);
    assertThat(RedisExtension.HOW_TO_GET_REDIS)
        .isEqualTo("install redis-server (Debian/Ubuntu: sudo apt-get install redis-server;"
            + " macOS: brew install redis), or set REDIS_URL=redis://host:port, or start Docker");
  }

  @Test
  void awaitNamesWhatItWaitedFor() {
    assertThatThrownBy(() -> Await.until(Duration.ofMillis(30), () -> false, "the moon"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("the moon");
  }

  // ------------------------------------------------------------ lifecycle

  @Test
  void stopKillsEveryProcessAndDeletesTheDirectories() {
    RedisExtension standalone = RedisExtension.standalone("requirepass s3cret");
    standalone.start();
    long pid = standalone.server().pid();
    Path dir = standalone.server().dir();
    assertThat(standalone.server().command("SET", "k", "v")).isEqualTo("OK"); // AUTHs itself
    standalone.server().pause(); // a stopped process must still go away
    standalone.stop();
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(dir).doesNotExist();

    RedisExtension cluster = RedisExtension.cluster();
    cluster.start();
    List<Long> pids = cluster.nodes().stream().map(RedisNode::pid).toList();
    cluster.close();
    for (long p : pids) {
      assertThat(ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }
    assertThat(cluster.isStarted()).isFalse();
    assertThatThrownBy(cluster::nodes).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aServerThatCannotStartReportsItsLog() {
    RedisExtension broken = RedisExtension.standalone("no-such-directive yes");
    assertThatThrownBy(broken::start)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no-such-directive");
    assertThat(broken.isStarted()).isFalse();
  }

  // ------------------------------------------------------------ cluster

  @Test
  void clusterHasThreeMastersAndServesAllSlots() {
    List<RedisNode> nodes = CLUSTER.nodes();
    assertThat(nodes).hasSize(3);
    for (RedisNode node : nodes) {
      assertThat(node.command("CLUSTER", "INFO").toString())
          .contains("cluster_state:ok", "cluster_slots_assigned:16384", "cluster_size:3");
      assertThat(node.info("replication")).contains("role:master");
    }
    CLUSTER.flushAll();
    try (RedisClusterClient client = RedisClusterClient.create(resources, CLUSTER.uri());
        StatefulRedisClusterConnection<String, String> conn = client.connect()) {
      Set<Integer> ranges = new HashSet<>();
      for (int i = 0; ranges.size() < 3 && i < 1000; i++) {
        String key = "harness:cluster:" + i;
        int range = SlotHash.getSlot(key) * 3 / 16384;
        if (ranges.add(range)) {
          assertThat(conn.sync().set(key, "v" + i)).isEqualTo("OK");
          assertThat(conn.sync().get(key)).isEqualTo("v" + i);
        }
      }
      assertThat(ranges).containsExactlyInAnyOrder(0, 1, 2);
    }
    for (RedisNode node : nodes) {
      assertThat(node.command("DBSIZE")).isEqualTo(1L);
    }
  }

  // ------------------------------------------------------------ fault proxy

  @Test
  void proxyForwardsAndBlackholeTimesOutUntilHeal() {
    RedisNode node = REDIS.server();
    try (FaultProxy proxy = FaultProxy.start(node.host(), node.port());
        RedisClient client = client(proxy.uri(), Duration.ofSeconds(5));
        StatefulRedisConnection<String, String> conn = client.connect()) {
      RedisCommands<String, String> sync = conn.sync();
      assertThat(sync.set("harness:proxy", "1")).isEqualTo("OK");
      conn.setTimeout(Duration.ofMillis(300));
      assertThat(proxy.connectionsAccepted()).isEqualTo(1);
      assertThat(proxy.bytesClientToServer()).isPositive();
      proxy.blackhole();
      assertThatThrownBy(sync::ping).isInstanceOf(RedisCommandTimeoutException.class);
      proxy.heal();
      Await.until(PATIENCE, () -> pings(sync), "PING after heal");
      assertThat(sync.get("harness:proxy")).isEqualTo("1");
    }
  }

  @Test
  void proxyHoldsRepliesUntilReleased() throws Exception {
    RedisNode node = REDIS.server();
    try (FaultProxy proxy = FaultProxy.start(node);
        RedisClient client = client(proxy.uri(), Duration.ofSeconds(10));
        StatefulRedisConnection<String, String> conn = client.connect()) {
      assertThat(pings(conn.sync())).isTrue();
      proxy.holdReplies();
      CompletableFuture<String> reply =
          conn.async().set("harness:held", "yes").toCompletableFuture();
      Await.until(PATIENCE, () -> "yes".equals(node.command("GET", "harness:held")),
          "the server to execute the held SET");
      assertThatThrownBy(() -> reply.get(200, TimeUnit.MILLISECONDS))
          .isInstanceOf(TimeoutException.class);
      proxy.releaseReplies();
      assertThat(reply.get(5, TimeUnit.SECONDS)).isEqualTo("OK");
    }
  }

  @Test
  void proxyForwardsTheRepliesHeldSoFar_andHoldsLaterOnes() throws Exception {
    RedisNode node = REDIS.server();
    try (FaultProxy proxy = FaultProxy.start(node);
        RedisClient client = client(proxy.uri(), Duration.ofSeconds(10));
        StatefulRedisConnection<String, String> conn = client.connect()) {
      assertThat(pings(conn.sync())).isTrue();
      proxy.holdReplies();
      CompletableFuture<String> first =
          conn.async().set("harness:first", "1").toCompletableFuture();
      Await.until(PATIENCE, () -> "1".equals(node.command("GET", "harness:first")),
          "the server to execute the first SET");
      Await.until(PATIENCE, () -> proxy.queuedReplyChunks() > 0, "the proxy to hold its reply");

      proxy.forwardHeldReplies();
      assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo("OK");
      CompletableFuture<String> second =
          conn.async().set("harness:second", "2").toCompletableFuture();
      Await.until(PATIENCE, () -> "2".equals(node.command("GET", "harness:second")),
          "the server to execute the second SET");
      assertThatThrownBy(() -> second.get(200, TimeUnit.MILLISECONDS))
          .isInstanceOf(TimeoutException.class);

      proxy.releaseReplies();
      assertThat(second.get(5, TimeUnit.SECONDS)).isEqualTo("OK");
    }
  }

  @Test
  void proxyDelaysWithoutReorderingBytes() {
    RedisNode node = REDIS.server();
    StringBuilder big = new StringBuilder();
    for (int i = 0; big.length() < 1_000_000; i++) {
      big.append(i).append(',');
    }
    String value = big.toString();
    try (FaultProxy proxy = FaultProxy.start(node);
        RedisClient client = client(proxy.uri(), Duration.ofSeconds(20));
        StatefulRedisConnection<String, String> conn = client.connect()) {
      proxy.delay(Duration.ofMillis(2));
      long start = System.nanoTime();
      assertThat(conn.sync().set("harness:big", value)).isEqualTo("OK");
      assertThat(conn.sync().get("harness:big")).isEqualTo(value);
      assertThat(conn.sync().ping()).isEqualTo("PONG");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(8));
      assertThat(proxy.bytesClientToServer()).isGreaterThan(1_000_000);
      assertThat(proxy.bytesServerToClient()).isGreaterThan(1_000_000);
    }
  }

  @Test
  void proxyCutsAConnectionAfterNBytes() throws Exception {
    RedisNode node = REDIS.server();
    node.command("DEL", "harness:cut");
    try (FaultProxy proxy = FaultProxy.start(node);
        Socket socket = new Socket("127.0.0.1", proxy.port())) {
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertThat(new String(in.readNBytes(7), StandardCharsets.US_ASCII)).isEqualTo("+PONG\r\n");
      long before = proxy.bytesClientToServer();
      proxy.cutAfterBytes(10);
      out.write("*3\r\n$3\r\nSET\r\n$10\r\nharness:cut\r\n$1\r\nx\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      int read;
      try {
        read = in.read();
      } catch (SocketTimeoutException e) {
        throw new AssertionError("the proxy did not close the connection", e);
      } catch (java.io.IOException reset) {
        read = -1;
      }
      assertThat(read).isEqualTo(-1);
      assertThat(proxy.bytesClientToServer() - before).isEqualTo(10);
      assertThat(node.command("EXISTS", "harness:cut")).isEqualTo(0L);
      proxy.heal();
    }
  }

  @Test
  void proxyResetAllMakesLettuceReconnect() {
    RedisNode node = REDIS.server();
    try (FaultProxy proxy = FaultProxy.start(node);
        RedisClient client = client(proxy.uri(), Duration.ofSeconds(2));
        StatefulRedisConnection<String, String> conn = client.connect()) {
      assertThat(pings(conn.sync())).isTrue();
      assertThat(proxy.connectionsAccepted()).isEqualTo(1);
      proxy.resetAll();
      Await.until(PATIENCE, () -> pings(conn.sync()) && proxy.connectionsAccepted() == 2,
          "Lettuce to reconnect through the proxy");
    }
  }

  @Test
  void proxyCloseEndsItsThreadsAndConnections() {
    RedisNode node = REDIS.server();
    FaultProxy proxy = FaultProxy.start(node);
    String marker = "-" + proxy.port() + "-";
    try (RedisClient client = client(proxy.uri(), Duration.ofSeconds(2));
        StatefulRedisConnection<String, String> conn = client.connect()) {
      assertThat(pings(conn.sync())).isTrue();
      proxy.blackhole(); // threads parked on a fault must end too
      assertThat(proxy.openConnections()).isEqualTo(1);
      proxy.close();
      assertThat(proxy.openConnections()).isZero();
      Await.until(PATIENCE,
          () -> Thread.getAllStackTraces().keySet().stream()
              .noneMatch(t -> t.getName().startsWith("fault-proxy-") && t.getName().contains(marker)),
          "the proxy's threads to end");
    }
  }

  // ------------------------------------------------------------ TLS

  @Test
  void tlsVerifiesLocalhostAndRefusesTheIpAddress() {
    RedisNode node = TLS.server();
    TlsMaterial tls = TLS.tlsMaterial();
    assertThat(tls.caCert()).exists();
    assertThat(node.uri()).isEqualTo("rediss://localhost:" + node.port());
    assertThat(node.command("PING")).isEqualTo("PONG"); // raw admin channel speaks TLS
    assertThat(node.command("CONFIG", "GET", "port")).isEqualTo(List.of("port", "0"));

    ClientOptions options = ClientOptions.builder()
        .sslOptions(SslOptions.builder().jdkSslProvider().trustManager(tls.caCert().toFile()).build())
        .build();
    RedisURI good = RedisURI.Builder.redis("localhost", node.port())
        .withSsl(true).withVerifyPeer(SslVerifyMode.FULL).withTimeout(Duration.ofSeconds(5)).build();
    try (RedisClient client = RedisClient.create(resources, good)) {
      client.setOptions(options);
      try (StatefulRedisConnection<String, String> conn = client.connect()) {
        assertThat(conn.sync().ping()).isEqualTo("PONG");
      }
    }
    RedisURI byIp = RedisURI.Builder.redis("127.0.0.1", node.port())
        .withSsl(true).withVerifyPeer(SslVerifyMode.FULL).withTimeout(Duration.ofSeconds(5)).build();
    try (RedisClient client = RedisClient.create(resources, byIp)) {
      client.setOptions(options);
      assertThatThrownBy(client::connect)
          .isInstanceOf(RedisConnectionException.class)
          .satisfies(e -> assertThat(rootCauses(e))
              .anyMatch(c -> (c instanceof SSLHandshakeException || c instanceof CertificateException)
                  && String.valueOf(c.getMessage()).contains("No subject alternative names")));
    }
  }

  private static List<Throwable> rootCauses(Throwable e) {
    List<Throwable> chain = new java.util.ArrayList<>();
    for (Throwable t = e; t != null && chain.size() < 20; t = t.getCause()) {
      chain.add(t);
    }
    return chain;
  }

  // ------------------------------------------------------------ Sentinel

  @Test
  void sentinelKnowsTheMasterAndLettuceFindsIt() {
    RedisNode master = SENTINEL.server();
    RedisNode replica = SENTINEL.replicas().get(0);
    RedisNode sentinel = SENTINEL.sentinels().get(0);
    assertThat(sentinel.command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", SENTINEL.masterName()))
        .isEqualTo(List.of("127.0.0.1", Integer.toString(master.port())));
    assertThat(replica.info("replication")).contains("role:slave", "master_link_status:up");
    try (RedisClient client = RedisClient.create(resources, RedisURI.create(SENTINEL.sentinelUri()));
        StatefulRedisConnection<String, String> conn = client.connect()) {
      assertThat(conn.sync().set("harness:sentinel", "1")).isEqualTo("OK");
    }
    Await.until(PATIENCE, () -> "1".equals(replica.command("GET", "harness:sentinel")),
        "the write to reach the replica");
    SENTINEL.flushAll();
    assertThat(master.command("DBSIZE")).isEqualTo(0L);
  }

  @Test
  void tempFilesLiveInTheServersOwnDirectory() throws Exception {
    RedisNode node = REDIS.server();
    assertThat(node.dir().resolve("redis.log")).exists();
    assertThat(Files.readString(node.dir().resolve("redis.conf"))).contains("save \"\"");
    assertThat(node.command("CONFIG", "GET", "dir"))
        .isEqualTo(List.of("dir", node.dir().toRealPath().toString()));
  }
}
