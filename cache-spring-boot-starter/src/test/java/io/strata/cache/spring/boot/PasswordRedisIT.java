package io.strata.cache.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.redis.harness.RedisExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Configuration;

/** The Redis tier found through Boot's spring.data.redis.host, port and password. */
class PasswordRedisIT {

  @RegisterExtension
  static final RedisExtension REDIS = RedisExtension.standalone("requirepass s3cret");

  @Configuration(proxyBeanMethods = false)
  @EnableCaching
  static class App {}

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(StrataCacheAutoConfiguration.class))
          .withUserConfiguration(App.class)
          .withPropertyValues(
              "strata.cache.defaults.value-type=java.lang.String",
              "spring.data.redis.host=" + REDIS.server().host(),
              "spring.data.redis.port=" + REDIS.server().port());

  @Test
  void hostPortAndPassword_fromSpringDataRedis_reachRedis() {
    runner
        .withPropertyValues("spring.data.redis.password=s3cret")
        .run(
            context -> {
              Cache cache = context.getBean(CacheManager.class).getCache("words");
              TopologiesRedisIT.awaitConnected(context);
              cache.put("k", "v");
              Object stored = REDIS.server().command("EXISTS", "strata:words:\"k\"");
              assertThat(((Number) stored).longValue()).isEqualTo(1);
            });
  }

  @Test
  void wrongPassword_cacheStillServesLocally() {
    runner
        .withPropertyValues("spring.data.redis.password=wrong")
        .run(
            context -> {
              Cache cache = context.getBean(CacheManager.class).getCache("words");
              cache.put("k2", "v");
              assertThat(cache.get("k2", String.class)).isEqualTo("v");
              Object stored = REDIS.server().command("EXISTS", "strata:words:\"k2\"");
              assertThat(((Number) stored).longValue()).isZero();
            });
  }
}
