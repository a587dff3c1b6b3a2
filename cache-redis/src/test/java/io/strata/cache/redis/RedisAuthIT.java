package io.strata.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.cache.CacheObserver;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.redis.harness.Await;
import io.strata.cache.redis.harness.RedisExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Password and ACL authentication; a wrong password is reported clearly and never shown. */
class RedisAuthIT {

  static final String PASSWORD = "s3cret-Pa55word-do-not-log";

  @RegisterExtension
  static final RedisExtension redis =
      RedisExtension.standalone(
          "requirepass " + PASSWORD, "user alice on >" + PASSWORD + "-alice ~* &* +@all");

  @Test
  void theRightPassword_andAclUser_connect() {
    try (RedisCacheClient byPassword =
            RedisTierKit.connected(
                RedisConnectionOptions.standalone(redis.uri())
                    .password(PASSWORD.toCharArray())
                    .build());
        RedisCacheClient byAcl =
            RedisTierKit.connected(
                RedisConnectionOptions.standalone(redis.uri())
                    .credentials("alice", (PASSWORD + "-alice").toCharArray())
                    .build());
        MultiLevelCache<String, String> writer = RedisSecuritySupport.cacheOn(byPassword, "auth");
        MultiLevelCache<String, String> reader = RedisSecuritySupport.cacheOn(byAcl, "auth")) {
      writer.put("k", "v");
      assertThat(reader.lookup("k").tier()).isEqualTo("redis");
    }
  }

  @Test
  void aWrongPassword_saysSoClearly_andThePasswordAppearsNowhere() {
    String wrong = "Wr0ng-" + PASSWORD;
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    String[] described = new String[2];
    String log =
        RedisSecuritySupport.capturingStderr(
            () -> {
              RedisConnectionOptions options =
                  RedisConnectionOptions.standalone("redis://:" + wrong + "@" + redis.server().host()
                          + ":" + redis.server().port())
                      .build();
              try (RedisCacheClient client = RedisCacheClient.create(options);
                  MultiLevelCache<String, String> cache = RedisSecuritySupport.cacheOn(client, "auth")) {
                cache.advanced().addObserver(new CacheObserver() {
                  @Override
                  public void tierError(String tier, Operation operation, Throwable error) {
                    errors.add(error);
                  }
                });
                for (int i = 0; i < 5; i++) {
                  assertThat(cache.get("k" + i)).isEqualTo("loaded-k" + i);
                }
                // Reads keep the attempts going: Lettuce may name the first refusal only as
                // "RedisHandshakeHandler not registered", and the WARN comes again with the cause.
                Await.until(
                    Duration.ofSeconds(10),
                    () -> {
                      cache.getIfPresent("never-loaded");
                      return RedisSecuritySupport.captured().contains("WRONGPASS");
                    },
                    "the refusal, named");
                assertThat(client.isConnected()).isFalse();
                described[0] = client.toString();
                described[1] = options.toString();
              }
              return null;
            });
    assertThat(log).contains("WRONGPASS");
    assertThat(log).doesNotContain(wrong).doesNotContain(PASSWORD);
    assertThat(described[0]).contains("password=***").doesNotContain(PASSWORD);
    assertThat(described[1]).doesNotContain(PASSWORD);
    assertThat(errors).isNotEmpty();
    for (Throwable error : errors) {
      for (Throwable t = error; t != null; t = t.getCause()) {
        assertThat(String.valueOf(t.getMessage())).doesNotContain(PASSWORD);
      }
    }
  }

  @Test
  void anInvalidUri_isRefusedWithoutEchoingThePassword() {
    assertThatThrownBy(() -> RedisConnectionOptions.standalone("http://:" + PASSWORD + "@host:6379"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("***")
        .hasMessageNotContaining(PASSWORD);
  }
}
