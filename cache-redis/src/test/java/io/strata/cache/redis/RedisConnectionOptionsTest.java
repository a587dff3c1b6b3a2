package io.strata.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisURI;
import org.junit.jupiter.api.Test;

/** Options that need no server: where each set of credentials ends up. */
class RedisConnectionOptionsTest {

  private static RedisCredentials credentials(RedisURI uri) {
    return uri.getCredentialsProvider().resolveCredentials().block();
  }

  @Test
  void sentinelCredentials_goToEverySentinel_andCredentials_toTheDataNodes() {
    RedisConnectionOptions options =
        RedisConnectionOptions.sentinel("mymaster", "redis://127.0.0.1:26379", "redis://127.0.0.1:26380")
            .credentials("app", "data".toCharArray())
            .sentinelCredentials("watcher", "guard".toCharArray())
            .build();
    RedisURI uri = options.redisUris().get(0);
    assertThat(credentials(uri).getUsername()).isEqualTo("app");
    assertThat(new String(credentials(uri).getPassword())).isEqualTo("data");
    assertThat(uri.getSentinels()).hasSize(2);
    for (RedisURI sentinel : uri.getSentinels()) {
      assertThat(credentials(sentinel).getUsername()).isEqualTo("watcher");
      assertThat(new String(credentials(sentinel).getPassword())).isEqualTo("guard");
    }
    assertThat(options.toString())
        .contains("sentinelUsername=watcher", "sentinelPassword=***")
        .doesNotContain("guard")
        .doesNotContain("data");
  }

  @Test
  void sentinelPassword_alone_hasNoUsername_andTheDataNodesKeepTheirs() {
    RedisConnectionOptions options =
        RedisConnectionOptions.sentinel("mymaster", "redis://127.0.0.1:26379")
            .password("data".toCharArray())
            .sentinelPassword("guard".toCharArray())
            .build();
    RedisURI uri = options.redisUris().get(0);
    assertThat(new String(credentials(uri).getPassword())).isEqualTo("data");
    RedisCredentials sentinel = credentials(uri.getSentinels().get(0));
    assertThat(sentinel.getUsername()).isNull();
    assertThat(new String(sentinel.getPassword())).isEqualTo("guard");
  }

  @Test
  void withoutSentinelCredentials_theSentinelsGetNone() {
    RedisURI uri =
        RedisConnectionOptions.sentinel("mymaster", "redis://127.0.0.1:26379")
            .password("data".toCharArray())
            .build()
            .redisUris()
            .get(0);
    RedisCredentials sentinel = credentials(uri.getSentinels().get(0));
    assertThat(sentinel == null || !sentinel.hasPassword()).isTrue();
  }

  @Test
  void sentinelCredentials_onlyForSentinel_andNeverABlankUsername() {
    assertThatThrownBy(
            () -> RedisConnectionOptions.standalone("redis://localhost").sentinelPassword("x".toCharArray()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sentinelPassword applies to Sentinel");
    assertThatThrownBy(
            () -> RedisConnectionOptions.cluster("redis://localhost")
                .sentinelCredentials("u", "x".toCharArray()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sentinelCredentials applies to Sentinel");
    assertThatThrownBy(
            () -> RedisConnectionOptions.sentinel("m", "redis://localhost:26379")
                .sentinelCredentials(" ", "x".toCharArray()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("username must not be blank");
  }
}
