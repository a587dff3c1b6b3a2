package io.strata.cache.redis;


import io.strata.cache.MultiLevelCache;
import io.strata.cache.codec.Codec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/** What the security tests share: a cache on a client, and stderr captured where slf4j logs. */
final class RedisSecuritySupport {

  private RedisSecuritySupport() {}

  // ---------------------------------------------------------------- helpers

  static MultiLevelCache<String, String> cacheOn(RedisCacheClient client, String name) {
    return MultiLevelCache.<String, String>builder(name)
        .tier(RedisTier.factory(client, Codec.utf8()))
        .loader(key -> "loaded-" + key)
        .build();
  }

  private static final ByteArrayOutputStream CAPTURED = new ByteArrayOutputStream();

  static boolean connectAttemptsLogged() {
    synchronized (CAPTURED) {
      return CAPTURED.toString(StandardCharsets.UTF_8).contains("Cannot connect to Redis");
    }
  }

  /** Returns what was captured so far by the running {@link #capturingStderr}. */
  static String captured() {
    synchronized (CAPTURED) {
      return CAPTURED.toString(StandardCharsets.UTF_8);
    }
  }

  /** Runs {@code body} with stderr (where slf4j-simple logs) copied into a string, and returns it. */
  static String capturingStderr(Supplier<Void> body) {
    PrintStream original = System.err;
    synchronized (CAPTURED) {
      CAPTURED.reset();
    }
    PrintStream tee =
        new PrintStream(
            new java.io.OutputStream() {
              @Override
              public void write(int b) {
                synchronized (CAPTURED) {
                  CAPTURED.write(b);
                }
                original.write(b);
              }

              @Override
              public void write(byte[] b, int off, int len) {
                synchronized (CAPTURED) {
                  CAPTURED.write(b, off, len);
                }
                original.write(b, off, len);
              }
            },
            true,
            StandardCharsets.UTF_8);
    System.setErr(tee);
    try {
      body.get();
    } finally {
      System.setErr(original);
    }
    synchronized (CAPTURED) {
      return CAPTURED.toString(StandardCharsets.UTF_8);
    }
  }
}
