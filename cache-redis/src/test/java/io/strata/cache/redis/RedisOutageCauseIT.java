package io.strata.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.MultiLevelCache;
import io.strata.cache.TierHealth;
import io.strata.cache.codec.Codec;
import io.strata.cache.redis.harness.Await;
import io.strata.cache.redis.harness.CloseAfterEach;
import io.strata.cache.redis.harness.RedisExtension;
import io.strata.cache.redis.harness.RedisNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Each cause class, produced by a real fault on a real server, named by the tier's health detail
 * and by the WARN that reports it (the link's "Cannot connect", or the breaker's "opened").
 */
class RedisOutageCauseIT {

  static final String PASSWORD = "outage-cause-pw";

  @RegisterExtension
  static final RedisExtension REDIS =
      RedisExtension.standalone("requirepass " + PASSWORD, "busy-reply-threshold 10");

  @RegisterExtension static final RedisExtension TLS = RedisExtension.tls();

  @RegisterExtension final CloseAfterEach toClose = new CloseAfterEach();

  @AfterEach
  void serverIsBack() {
    if (REDIS.server().isRunning()) {
      REDIS.server().resume();
    }
  }

  private MultiLevelCache<String, String> cache(RedisConnectionOptions options, String name) {
    RedisCacheClient client = RedisCacheClient.create(options);
    toClose.add(client);
    MultiLevelCache<String, String> cache =
        MultiLevelCache.<String, String>builder(name)
            .tier(
                RedisTier.builder(client, KeyMapper.strings(), Codec.utf8())
                    .circuitBreaker(
                        CircuitBreakerConfig.builder()
                            .openDuration(Duration.ofMillis(300))
                            .maxOpenDuration(Duration.ofMillis(600))
                            .build())
                    .build())
            .loader(key -> "loaded-" + key)
            .build();
    toClose.add(cache);
    return cache;
  }

  private static RedisConnectionOptions.Builder withPassword(String uri) {
    return RedisConnectionOptions.standalone(uri).password(PASSWORD.toCharArray());
  }

  private static final java.util.concurrent.atomic.AtomicInteger POKES =
      new java.util.concurrent.atomic.AtomicInteger();

  private static String detail(MultiLevelCache<String, String> cache) {
    return cache.advanced().health().get("redis").detail();
  }

  private static void awaitDetail(MultiLevelCache<String, String> cache, String prefix) {
    Await.until(
        Duration.ofSeconds(15),
        () -> {
          if (detail(cache).startsWith(prefix)) {
            return true;
          }
          // A tier call on a new key (a key read before is served locally during an outage):
          // lets the breaker count failures and open.
          cache.get("poke-" + POKES.incrementAndGet());
          return false;
        },
        "the health detail to start with \"" + prefix + "\"");
  }

  /** Checks a connection that never opens: the health and the link's WARN name the cause. */
  private void neverConnects(RedisConnectionOptions options, String cause, String innermost) {
    String log =
        RedisSecuritySupport.capturingStderr(
            () -> {
              MultiLevelCache<String, String> cache = cache(options, "never");
              assertThat(cache.get("k")).isEqualTo("loaded-k");
              awaitDetail(cache, "not connected to Redis: " + cause);
              assertThat(detail(cache)).contains(innermost);
              Await.until(
                  Duration.ofSeconds(10),
                  RedisSecuritySupport::connectAttemptsLogged,
                  "the connect failure to be logged");
              return null;
            });
    assertThat(log).contains("Cannot connect to Redis").contains("(" + cause + " (");
    assertThat(log).contains(innermost).doesNotContain(PASSWORD);
    RedisRecoveryIT.assertNoStackTraceAfter(log, "internal.RedisLink - ");
  }

  @Test
  void aClosedPort_isConnectionRefused() throws IOException {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    neverConnects(
        withPassword("redis://127.0.0.1:" + closed).build(),
        "connection refused",
        "Connection refused");
  }

  @Test
  void anUntrustedCertificate_isTls() {
    // The JDK's trust store does not hold this run's CA. (rediss:// to a plaintext server is a
    // timeout, not TLS: the server waits for the end of a line the ClientHello never sends.)
    neverConnects(
        RedisConnectionOptions.standalone("rediss://localhost:" + TLS.server().port()).build(),
        "TLS handshake failed",
        "certification path");
  }

  @Test
  void aWrongPassword_isAuthentication() {
    neverConnects(
        RedisConnectionOptions.standalone(REDIS.uri())
            .password(("wrong-" + PASSWORD).toCharArray())
            .build(),
        "authentication failed",
        "WRONGPASS");
  }

  @Test
  void anUnresolvableHost_isUnknownHost() {
    neverConnects(
        RedisConnectionOptions.standalone("redis://nonexistent.invalid:6379").build(),
        "unknown host",
        "nonexistent.invalid");
  }

  @Test
  void aPausedServer_isTimeout() {
    String log =
        RedisSecuritySupport.capturingStderr(
            () -> {
              MultiLevelCache<String, String> cache = connectedCache("paused");
              REDIS.server().pause();
              awaitDetail(cache, "circuit breaker open: timeout");
              REDIS.server().resume();
              return null;
            });
    assertThat(log).contains("circuit breaker opened (timeout (");
  }

  @Test
  void aBusyScript_isAnErrorReply_namedBusy_andTheTierRecoversAfterScriptKill() throws Exception {
    RedisNode server = REDIS.server();
    String log =
        RedisSecuritySupport.capturingStderr(
            () -> {
              MultiLevelCache<String, String> cache = connectedCache("busy");
              // Another client's endless script: past busy-reply-threshold (10 ms), every other
              // client gets BUSY until SCRIPT KILL.
              CompletableFuture<Object> script =
                  CompletableFuture.supplyAsync(
                      () -> {
                        try {
                          return server.command(
                              Duration.ofSeconds(60), "EVAL", "while true do end", "0");
                        } catch (RedisNode.ErrorReplyException | UncheckedIOException e) {
                          return e.getMessage();
                        }
                      });
              try {
                awaitDetail(cache, "circuit breaker open: error reply BUSY");
                assertThat(cache.get("during")).isEqualTo("loaded-during");
              } finally {
                Await.until(
                    Duration.ofSeconds(10),
                    () -> {
                      try {
                        server.command("SCRIPT", "KILL");
                        return true;
                      } catch (RedisNode.ErrorReplyException e) {
                        return e.getMessage().contains("NOTBUSY");
                      }
                    },
                    "SCRIPT KILL");
              }
              assertThat(String.valueOf(script.join())).contains("killed");
              // No traffic needed: the background PING gets PONG once the script is gone.
              Await.until(
                  Duration.ofSeconds(10),
                  () -> cache.advanced().health().get("redis").state() == TierHealth.State.UP,
                  "the tier to be up after SCRIPT KILL");
              Await.until(
                  Duration.ofSeconds(5),
                  () -> RedisSecuritySupport.captured().contains("' works again after"),
                  "the end of the outage to be logged");
              return null;
            });
    assertThat(log).contains("circuit breaker opened (error reply BUSY)");
  }

  private MultiLevelCache<String, String> connectedCache(String name) {
    MultiLevelCache<String, String> cache = cache(withPassword(REDIS.uri()).build(), name);
    RedisTierKit.awaitCoherent(cache);
    cache.put("warm", "v");
    return cache;
  }
}
