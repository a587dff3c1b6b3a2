package io.strata.cache.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.strata.cache.redis.internal.OutageCause.Kind;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/**
 * The classifier on the exception chains Lettuce produces (the shapes {@code RedisOutageCauseIT}
 * gets from real faults: a wrapper around a Netty exception around the JDK's).
 */
class OutageCauseTest {

  private static RedisConnectionException unableToConnect(Throwable cause) {
    return new RedisConnectionException("Unable to connect to 127.0.0.1/<unresolved>:6390", cause);
  }

  @Test
  void aClosedPort_isConnectionRefused() {
    OutageCause cause =
        OutageCause.of(unableToConnect(new ConnectException("Connection refused: /127.0.0.1:6390")));
    assertThat(cause.kind()).isEqualTo(Kind.CONNECTION_REFUSED);
    assertThat(cause.kind().tag()).isEqualTo("connection-refused");
    assertThat(cause.toString())
        .isEqualTo("connection refused (ConnectException: Connection refused: /127.0.0.1:6390)");
  }

  @Test
  void connectAndCommandTimeouts_areTimeouts_notRefusals() {
    // Netty's ConnectTimeoutException is a ConnectException.
    assertThat(
            OutageCause.of(
                    unableToConnect(
                        new ConnectTimeoutException("connection timed out: /10.255.255.1:6379")))
                .kind())
        .isEqualTo(Kind.TIMEOUT);
    assertThat(
            OutageCause.of(
                    new RedisCacheTier.UnavailableException(
                        "Redis failed",
                        new RedisCommandTimeoutException(
                            "Command timed out after 250 millisecond(s)")))
                .kind())
        .isEqualTo(Kind.TIMEOUT);
    assertThat(
            OutageCause.of(
                    unableToConnect(
                        new RedisCommandTimeoutException(
                            "Connection initialization timed out after 250 millisecond(s)")))
                .kind())
        .isEqualTo(Kind.TIMEOUT);
  }

  @Test
  void anUntrustedCertificate_aNameItDoesNotCover_andNoTls_areTls() {
    SSLHandshakeException untrusted = new SSLHandshakeException("PKIX path building failed");
    untrusted.initCause(new CertPathValidatorException("unable to find valid certification path"));
    assertThat(OutageCause.of(unableToConnect(new DecoderException(untrusted))).kind())
        .isEqualTo(Kind.TLS);
    SSLHandshakeException wrongName = new SSLHandshakeException("No subject alternative names");
    wrongName.initCause(
        new CertificateException("No subject alternative names matching IP address 127.0.0.1"));
    OutageCause name = OutageCause.of(unableToConnect(new DecoderException(wrongName)));
    assertThat(name.kind()).isEqualTo(Kind.TLS);
    assertThat(name.detail()).startsWith("CertificateException: No subject alternative names");
    // rediss:// to a plaintext server: the server's error reply is not a TLS record.
    assertThat(
            OutageCause.of(
                    unableToConnect(new NotSslRecordException("not an SSL/TLS record: 2d455252")))
                .kind())
        .isEqualTo(Kind.TLS);
  }

  @Test
  void refusedCredentials_areAuthentication() {
    for (String reply :
        new String[] {
          "WRONGPASS invalid username-password pair or user is disabled.",
          "NOAUTH HELLO must be called with the client already authenticated",
          "NOPERM User alice has no permissions to run the 'evalsha' command"
        }) {
      OutageCause cause =
          OutageCause.of(unableToConnect(new RedisCommandExecutionException(reply)));
      assertThat(cause.kind()).as(reply).isEqualTo(Kind.AUTHENTICATION);
      assertThat(cause.detail()).contains(reply.substring(0, reply.indexOf(' ')));
    }
  }

  @Test
  void anUnresolvableHost_isUnknownHost() {
    assertThat(
            OutageCause.of(
                    unableToConnect(
                        new UnknownHostException("nonexistent.invalid: Name or service not known")))
                .kind())
        .isEqualTo(Kind.UNKNOWN_HOST);
  }

  @Test
  void anErrorReplyThatMeansUnavailable_isAnErrorReply_namedByItsCode() {
    RedisCommandExecutionException loading =
        new RedisCommandExecutionException("LOADING Redis is loading the dataset in memory");
    RedisCommandExecutionException busy =
        new RedisCommandExecutionException(
            "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN"
                + " NOSAVE.");
    OutageCause cause = OutageCause.of(new RedisCacheTier.UnavailableException("x", loading));
    assertThat(cause.kind()).isEqualTo(Kind.ERROR_REPLY);
    assertThat(cause.toString()).isEqualTo("error reply LOADING");
    assertThat(OutageCause.of(busy).toString()).isEqualTo("error reply BUSY");
    for (String code :
        new String[] {
          "LOADING", "BUSY", "OOM", "MASTERDOWN", "READONLY", "CLUSTERDOWN", "TRYAGAIN",
          "NOREPLICAS", "MISCONF", "NOAUTH", "WRONGPASS", "NOPERM"
        }) {
      assertThat(OutageCause.meansUnavailable(new RedisCommandExecutionException(code + " text")))
          .as(code)
          .isTrue();
    }
  }

  @Test
  void errorRepliesAboutTheCommand_doNotMeanUnavailable() {
    for (String reply :
        new String[] {
          "WRONGTYPE Operation against a key holding the wrong kind of value",
          "NOSCRIPT No matching script. Please use EVAL.",
          "ERR unknown command 'FOO'",
          "ERR Error running script",
          "lowercase error",
          ""
        }) {
      assertThat(OutageCause.meansUnavailable(new RedisCommandExecutionException(reply)))
          .as(reply)
          .isFalse();
    }
    assertThat(
            OutageCause.of(
                    new RedisCommandExecutionException(
                        "WRONGTYPE Operation against a key holding the wrong kind of value"))
                .kind())
        .isEqualTo(Kind.OTHER);
  }

  @Test
  void aLostOrRefusedConnection_isClosed() {
    assertThat(
            OutageCause.of(new RedisException("Currently not connected. Commands are rejected."))
                .kind())
        .isEqualTo(Kind.CONNECTION_CLOSED);
    assertThat(OutageCause.of(new RedisException("Connection closed")).kind())
        .isEqualTo(Kind.CONNECTION_CLOSED);
    assertThat(
            OutageCause.of(new RedisException("Connection lost; the command is not replayed"))
                .kind())
        .isEqualTo(Kind.CONNECTION_CLOSED);
    assertThat(OutageCause.of(new IOException("Connection reset by peer")).kind())
        .isEqualTo(Kind.CONNECTION_CLOSED);
    // What Lettuce completes a command with when its channel closes before the reply.
    assertThat(OutageCause.of(new RedisException("Connection disconnected")).kind())
        .isEqualTo(Kind.CONNECTION_CLOSED);
  }

  @Test
  void anythingElse_isOther_withTheInnermostMessage_onOneShortLine() {
    OutageCause cause =
        OutageCause.of(new RedisException("outer", new IllegalStateException("inner\nsecond line")));
    assertThat(cause.kind()).isEqualTo(Kind.OTHER);
    assertThat(cause.detail()).isEqualTo("IllegalStateException: inner second line");
    assertThat(OutageCause.of(new IllegalStateException("x".repeat(1000))).detail()).hasSize(203);
  }

  @Test
  void aCauseCycle_endsTheWalk() {
    RuntimeException a = new RuntimeException("a");
    RuntimeException b = new RuntimeException("b", a);
    a.initCause(b);
    assertThat(OutageCause.of(b).kind()).isEqualTo(Kind.OTHER);
  }
}
