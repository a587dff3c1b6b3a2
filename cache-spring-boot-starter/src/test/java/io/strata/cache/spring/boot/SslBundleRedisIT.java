package io.strata.cache.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.redis.RedisCacheClient;
import io.strata.cache.redis.harness.Await;
import io.strata.cache.redis.harness.RedisExtension;
import io.strata.cache.redis.harness.TlsMaterial;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/**
 * TLS to a real TLS-only redis-server (certificates made by the harness with openssl), its trust
 * and client key taken from a Spring Boot SSL bundle named by {@code spring.data.redis.ssl.bundle}
 * or {@code strata.cache.redis.ssl-bundle}. The last test makes the server require client
 * certificates, so it runs last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SslBundleRedisIT {

  @RegisterExtension static final RedisExtension REDIS = RedisExtension.tls();

  @TempDir static Path dir;

  private static final Duration WAIT = Duration.ofSeconds(20);

  @Configuration(proxyBeanMethods = false)
  @EnableCaching
  static class App {}

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(SslAutoConfiguration.class, StrataCacheAutoConfiguration.class))
          .withUserConfiguration(App.class)
          .withPropertyValues(
              "strata.cache.defaults.value-type=java.lang.String",
              // The certificate names localhost: the host name is verified.
              "spring.data.redis.host=localhost",
              "spring.data.redis.port=" + REDIS.server().port(),
              "spring.ssl.bundle.pem.redis.truststore.certificate=file:" + REDIS.tlsMaterial().caCert());

  @Test
  @Order(1)
  void springDataRedisSslBundle_trustsTheServer_andValuesReachRedis() {
    runner
        .withPropertyValues("spring.data.redis.ssl.bundle=redis")
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context.getBean(RedisCacheClient.class).options().isTls()).isTrue();
          awaitConnected(context);
          Cache cache = context.getBean(CacheManager.class).getCache("words");
          cache.put("k", "over tls");
          // The stored bytes: NullValueCodec's marker, then the UTF-8 text.
          assertThat((String) REDIS.server().command("HGET", "strata:words:\"k\"", "b"))
              .endsWith("over tls");
        });
  }

  @Test
  @Order(2)
  void strataSslBundle_winsOverSpringDataRedis_andABundleOfAnotherCa_neverConnects() {
    TlsMaterial other = TlsMaterial.generate(dir.resolve("other-ca"));
    // Both contexts start together: when the one that trusts the server is connected, the other
    // had as long to connect, and must not have.
    runner
        .withPropertyValues(
            "spring.ssl.bundle.pem.other.truststore.certificate=file:" + other.caCert(),
            "spring.data.redis.ssl.bundle=other",
            "strata.cache.redis.ssl-bundle=redis")
        .run(trusting -> runner
            .withPropertyValues(
                "spring.ssl.bundle.pem.other.truststore.certificate=file:" + other.caCert(),
                "strata.cache.redis.ssl-bundle=other")
            .run(distrusting -> {
              Cache cache = distrusting.getBean(CacheManager.class).getCache("words");
              awaitConnected(trusting);
              awaitRefused(distrusting, "unable to find valid certification path");
              assertThat(distrusting.getBean(RedisCacheClient.class).isConnected()).isFalse();
              cache.put("k2", "local only");
              assertThat(cache.get("k2", String.class)).isEqualTo("local only");
              assertThat(REDIS.server().command("EXISTS", "strata:words:\"k2\"")).isEqualTo(0L);
            }));
  }

  @Test
  @Order(3)
  void bundleWithAClientKey_passesMutualTls_andOneWithout_doesNot() throws Exception {
    Path client = clientCertificate(REDIS.tlsMaterial(), dir.resolve("client"));
    REDIS.server().command("CONFIG", "SET", "tls-auth-clients", "yes");
    // From here on the harness (which has no client certificate) can no longer talk to the server.
    runner
        .withPropertyValues(
            "spring.ssl.bundle.pem.mtls.truststore.certificate=file:" + REDIS.tlsMaterial().caCert(),
            "spring.ssl.bundle.pem.mtls.keystore.certificate=file:" + client.resolve("client.crt"),
            "spring.ssl.bundle.pem.mtls.keystore.private-key=file:" + client.resolve("client.key"),
            "spring.data.redis.ssl.bundle=mtls")
        .run(withKey -> runner
            .withPropertyValues("spring.data.redis.ssl.bundle=redis")
            .run(withoutKey -> {
              assertThat(withKey.getBean(RedisCacheClient.class).options().keyManagerFactory())
                  .isNotNull();
              assertThat(withoutKey.getBean(RedisCacheClient.class).options().keyManagerFactory())
                  .isNull();
              awaitConnected(withKey);
              awaitRefused(withoutKey, "TLS handshake failed");
              assertThat(withoutKey.getBean(RedisCacheClient.class).isConnected()).isFalse();
            }));
  }

  /** Waits until the cache's Redis tier is up (connected and tracking), as health reports it. */
  private static void awaitConnected(ConfigurableApplicationContext context) {
    context.getBean(CacheManager.class).getCache("words"); // a tier makes the client connect
    StrataCacheHealthIndicator health = context.getBean(StrataCacheHealthIndicator.class);
    Await.until(WAIT, () -> health.health().getStatus().equals(Status.UP),
        "the Redis tier up over TLS: " + health.health());
  }

  /** Waits until the Redis tier reports that connecting failed, for {@code cause}. */
  private static void awaitRefused(ConfigurableApplicationContext context, String cause) {
    context.getBean(CacheManager.class).getCache("words");
    StrataCacheHealthIndicator health = context.getBean(StrataCacheHealthIndicator.class);
    Await.until(WAIT, () -> health.health().toString().contains(cause),
        "the connection refused (" + cause + "): " + health.health());
    System.err.println("refused as expected: " + health.health());
  }

  /** Makes a client certificate (extendedKeyUsage clientAuth) signed by the harness's CA. */
  private static Path clientCertificate(TlsMaterial ca, Path into) throws IOException, InterruptedException {
    Files.createDirectories(into);
    Path cnf = into.resolve("client.cnf");
    Files.writeString(cnf, String.join("\n",
        "[req]", "distinguished_name = dn", "[dn]",
        "[v3_client]",
        "basicConstraints = critical,CA:FALSE",
        "keyUsage = critical,digitalSignature",
        "extendedKeyUsage = clientAuth", ""));
    openssl(into, "req", "-new", "-config", cnf.toString(),
        "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=strata-test-client");
    openssl(into, "x509", "-req", "-in", "client.csr", "-CA", ca.caCert().toString(),
        "-CAkey", ca.caKey().toString(), "-set_serial", "7", "-days", "2",
        "-extfile", cnf.toString(), "-extensions", "v3_client", "-out", "client.crt");
    return into;
  }

  private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("openssl finished").isTrue();
    assertThat(process.exitValue()).as("openssl %s: %s", command, output).isZero();
  }
}
