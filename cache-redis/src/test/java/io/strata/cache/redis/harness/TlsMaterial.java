package io.strata.cache.redis.harness;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Throwaway TLS files made with openssl: a CA and a server certificate it signed, valid for
 * {@code DNS:localhost} only (so {@code rediss://localhost} verifies and {@code
 * rediss://127.0.0.1} fails host-name verification). EC P-256 keys, PEM files, valid 2 days.
 */
public final class TlsMaterial {

  private final Path caCert;
  private final Path caKey;
  private final Path serverCert;
  private final Path serverKey;

  private TlsMaterial(Path dir) {
    this.caCert = dir.resolve("ca.crt");
    this.caKey = dir.resolve("ca.key");
    this.serverCert = dir.resolve("server.crt");
    this.serverKey = dir.resolve("server.key");
  }

  /** Generates a fresh CA and server certificate into {@code dir} (created if missing). */
  public static TlsMaterial generate(Path dir) {
    TlsMaterial m = new TlsMaterial(dir);
    try {
      Files.createDirectories(dir);
      Path cnf = dir.resolve("openssl.cnf");
      Files.writeString(
          cnf,
          String.join(
              "\n",
              "[req]",
              "distinguished_name = dn",
              "[dn]",
              "[v3_ca]",
              "basicConstraints = critical,CA:TRUE",
              "keyUsage = critical,keyCertSign,cRLSign",
              "subjectKeyIdentifier = hash",
              "[v3_server]",
              "basicConstraints = critical,CA:FALSE",
              "keyUsage = critical,digitalSignature",
              "extendedKeyUsage = serverAuth",
              "subjectAltName = DNS:localhost",
              "subjectKeyIdentifier = hash",
              "authorityKeyIdentifier = keyid,issuer",
              ""));
      Path csr = dir.resolve("server.csr");
      String serial = Long.toString(new SecureRandom().nextLong() & Long.MAX_VALUE);
      openssl(dir, "req", "-x509", "-new", "-config", cnf.toString(), "-extensions", "v3_ca",
          "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
          "-keyout", m.caKey.toString(), "-out", m.caCert.toString(), "-days", "2",
          "-subj", "/CN=Strata Test CA " + serial);
      openssl(dir, "req", "-new", "-config", cnf.toString(),
          "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
          "-keyout", m.serverKey.toString(), "-out", csr.toString(),
          "-subj", "/CN=strata-test-server");
      openssl(dir, "x509", "-req", "-in", csr.toString(), "-CA", m.caCert.toString(),
          "-CAkey", m.caKey.toString(), "-set_serial", serial, "-days", "2",
          "-extfile", cnf.toString(), "-extensions", "v3_server", "-out", m.serverCert.toString());
      return m;
    } catch (IOException e) {
      throw new UncheckedIOException("could not generate TLS material in " + dir, e);
    }
  }

  private static void openssl(Path dir, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add("openssl");
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    try (InputStream in = p.getInputStream()) {
      String output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("openssl timed out: " + cmd);
      }
      if (p.exitValue() != 0) {
        throw new IOException("openssl failed (" + p.exitValue() + "): " + cmd + "\n" + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted running " + cmd, e);
    }
  }

  /** The CA certificate (PEM): give it to clients as their trust anchor. */
  public Path caCert() {
    return caCert;
  }

  /** The CA private key (PEM). */
  public Path caKey() {
    return caKey;
  }

  /** The server certificate (PEM), SAN {@code DNS:localhost}. */
  public Path serverCert() {
    return serverCert;
  }

  /** The server private key (PEM, PKCS#8, unencrypted). */
  public Path serverKey() {
    return serverKey;
  }

  /** Redis config lines for these files: cert, key, CA, {@code tls-auth-clients no}. */
  public List<String> redisConfigLines() {
    return List.of(
        "tls-cert-file \"" + serverCert + "\"",
        "tls-key-file \"" + serverKey + "\"",
        "tls-ca-cert-file \"" + caCert + "\"",
        "tls-auth-clients no");
  }

  /** A JDK SSLContext that trusts only this CA (it does no host-name checks by itself). */
  public SSLContext sslContext() {
    try (InputStream in = Files.newInputStream(caCert)) {
      Certificate ca = CertificateFactory.getInstance("X.509").generateCertificate(in);
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      trust.setCertificateEntry("strata-test-ca", ca);
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot load " + caCert, e);
    }
  }
}
