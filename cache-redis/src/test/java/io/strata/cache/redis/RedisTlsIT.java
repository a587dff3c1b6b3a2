package io.strata.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.cache.MultiLevelCache;
import io.strata.cache.redis.harness.Await;
import io.strata.cache.redis.harness.RedisExtension;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** TLS always verifies the chain and the host name, and never falls back to plaintext. */
class RedisTlsIT {

  @RegisterExtension static final RedisExtension redis = RedisExtension.tls();

  private RedisConnectionOptions options(String host) {
    return RedisConnectionOptions.standalone("rediss://" + host + ":" + redis.server().port())
        .trustedCertificates(redis.tlsMaterial().caCert())
        .build();
  }

  @Test
  void theCertificatesHostName_connects() {
    try (RedisCacheClient client = RedisTierKit.connected(options("localhost"));
        MultiLevelCache<String, String> cache = RedisSecuritySupport.cacheOn(client, "tls")) {
      cache.put("k", "over tls");
      assertThat(redis.server().command("HGET", "strata:tls:k", "b")).isEqualTo("over tls");
    }
  }

  @Test
  void aNameTheCertificateDoesNotCover_isRefused_andTheCacheWorksWithoutRedis() {
    String log =
        RedisSecuritySupport.capturingStderr(
            () -> {
              try (RedisCacheClient client = RedisCacheClient.create(options("127.0.0.1"));
                  MultiLevelCache<String, String> cache = RedisSecuritySupport.cacheOn(client, "tls")) {
                assertThat(cache.get("k")).isEqualTo("loaded-k");
                // Retries keep failing: there is no way around verification.
                Await.until(
                    Duration.ofSeconds(10),
                    RedisSecuritySupport::connectAttemptsLogged,
                    "the refused connection to be logged");
                assertThat(client.isConnected()).isFalse();
              }
              return null;
            });
    assertThat(log).contains("Cannot connect to Redis").contains("rediss://127.0.0.1");
    assertThat(log).containsIgnoringCase("certificate").doesNotContain("Connected to Redis");
  }

  @Test
  void aPlaintextUri_toTheTlsPort_neverConnects() {
    try (RedisCacheClient client =
            RedisCacheClient.create(
                RedisConnectionOptions.standalone("redis://localhost:" + redis.server().port())
                    .connectTimeout(Duration.ofMillis(300))
                    .build());
        MultiLevelCache<String, String> cache = RedisSecuritySupport.cacheOn(client, "plain")) {
      assertThat(cache.get("k")).isEqualTo("loaded-k");
      assertThat(client.isConnected()).isFalse();
    }
  }

  @Test
  void trustedCertificates_requireATlsUri() {
    assertThatThrownBy(
            () ->
                RedisConnectionOptions.standalone("redis://localhost:6379")
                    .trustedCertificates(redis.tlsMaterial().caCert()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rediss://");
  }

  @Test
  void aTrustManagerFactory_ofTheCa_connects() throws Exception {
    RedisConnectionOptions options =
        RedisConnectionOptions.standalone("rediss://localhost:" + redis.server().port())
            .trustManagerFactory(trustingTheCa())
            .build();
    assertThat(options.trustManagerFactory()).isNotNull();
    try (RedisCacheClient client = RedisTierKit.connected(options);
        MultiLevelCache<String, String> cache = RedisSecuritySupport.cacheOn(client, "tls-tmf")) {
      cache.put("k", "over tls");
      assertThat(redis.server().command("HGET", "strata:tls-tmf:k", "b")).isEqualTo("over tls");
    }
  }

  @Test
  void trustManagerFactory_andTrustedCertificates_areOneOrTheOther() throws Exception {
    TrustManagerFactory trust = trustingTheCa();
    String uri = "rediss://localhost:" + redis.server().port();
    assertThatThrownBy(
            () ->
                RedisConnectionOptions.standalone(uri)
                    .trustedCertificates(redis.tlsMaterial().caCert())
                    .trustManagerFactory(trust))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("trustedCertificates was already set");
    assertThatThrownBy(
            () ->
                RedisConnectionOptions.standalone(uri)
                    .trustManagerFactory(trust)
                    .trustedCertificates(redis.tlsMaterial().caCert()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("trustManagerFactory was already set");
  }

  @Test
  void trustAndKeyManagerFactories_requireATlsUri() throws Exception {
    TrustManagerFactory trust = trustingTheCa();
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    assertThatThrownBy(
            () -> RedisConnectionOptions.standalone("redis://localhost:6379").trustManagerFactory(trust))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rediss://");
    assertThatThrownBy(
            () -> RedisConnectionOptions.standalone("redis://localhost:6379").keyManagerFactory(keys))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rediss://");
  }

  private static TrustManagerFactory trustingTheCa() throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream in = Files.newInputStream(redis.tlsMaterial().caCert())) {
      store.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(store);
    return trust;
  }
}
