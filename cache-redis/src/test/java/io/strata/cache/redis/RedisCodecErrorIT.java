package io.strata.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.cache.CacheObserver;
import io.strata.cache.MultiLevelCache;
import io.strata.cache.codec.Codec;
import io.strata.cache.codec.CodecException;
import io.strata.cache.redis.harness.RedisExtension;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A codec that throws an {@link Error} on the Redis tier's write or read path, as a codec does when
 * a class it needs is missing (Jackson absent, or a jackson-annotations older than databind:
 * {@code NoClassDefFoundError}). Such a linkage error is the tier's failure, not the caller's: the
 * put returns, the value stays in the local tier, and the error is reported to observers and
 * logged (with its stack trace) once per change of the tier's state. Any other Error reaches the
 * caller.
 */
class RedisCodecErrorIT {

  @RegisterExtension static final RedisExtension redis = RedisExtension.standalone();

  /** UTF-8, except that "bad" cannot be encoded and "unreadable" bytes cannot be decoded. */
  private static final class MissingClassCodec implements Codec<String> {
    private final Error onBad;

    MissingClassCodec(Error onBad) {
      this.onBad = onBad;
    }

    @Override
    public byte[] encode(String value) {
      if (value.equals("bad")) {
        throw onBad;
      }
      return value.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String decode(byte[] bytes) throws CodecException {
      String text = new String(bytes, StandardCharsets.UTF_8);
      if (text.equals("unreadable")) {
        throw new NoClassDefFoundError("tools/jackson/databind/ObjectReader");
      }
      return text;
    }

    @Override
    public String id() {
      return Codec.utf8().id();
    }
  }

  private static MultiLevelCache<String, String> cache(
      RedisCacheClient client, String name, Codec<String> codec, List<Throwable> errors) {
    MultiLevelCache<String, String> cache =
        MultiLevelCache.<String, String>builder(name)
            .tier(RedisTier.factory(client, codec))
            .loader(key -> "loaded-" + key)
            .build();
    cache.advanced().addObserver(new CacheObserver() {
      @Override
      public void tierError(String tier, Operation operation, Throwable error) {
        errors.add(error);
      }
    });
    return cache;
  }

  private RedisConnectionOptions options() {
    return RedisConnectionOptions.standalone(redis.uri()).build();
  }

  @Test
  void aLinkageErrorWhileEncoding_isLoggedAndCounted_andThePutKeepsTheValueLocally() {
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    NoClassDefFoundError missing = new NoClassDefFoundError("com/fasterxml/jackson/annotation/JsonApplyView");
    String log =
        RedisSecuritySupport.capturingStderr(() -> {
          try (RedisCacheClient client = RedisTierKit.connected(options());
              MultiLevelCache<String, String> cache =
                  cache(client, "codec-error", new MissingClassCodec(missing), errors)) {
            RedisTierKit.awaitCoherent(cache);
            cache.put("k", "bad"); // returns: Redis is a cache, its failures never reach callers
            assertThat(cache.getIfPresent("k")).isEqualTo("bad");
            assertThat(redis.server().command("EXISTS", "strata:codec-error:k")).isEqualTo(0L);
            assertThat(errors).containsExactly(missing);

            cache.put("k2", "good"); // the tier works for values it can encode
            assertThat(redis.server().command("HGET", "strata:codec-error:k2", "b")).isEqualTo("good");
          }
          return null;
        });
    assertThat(log)
        .contains("Tier 'redis' of cache 'codec-error' failed on PUT")
        .contains("java.lang.NoClassDefFoundError: com/fasterxml/jackson/annotation/JsonApplyView");
  }

  @Test
  void aLinkageErrorWhileDecoding_isAMiss_andTheEntryIsLeftInRedis() {
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    try (RedisCacheClient client = RedisTierKit.connected(options());
        MultiLevelCache<String, String> writer =
            cache(client, "codec-read", Codec.utf8(), new CopyOnWriteArrayList<>());
        MultiLevelCache<String, String> reader =
            cache(client, "codec-read", new MissingClassCodec(new AssertionError()), errors)) {
      RedisTierKit.awaitCoherent(writer);
      writer.put("k", "unreadable");
      assertThat(reader.get("k")).isEqualTo("loaded-k");
      assertThat(errors).isNotEmpty().allMatch(e -> e instanceof NoClassDefFoundError);
      // Not corrupt bytes: neither deleted as such nor overwritten by the reader's load.
      assertThat(redis.server().command("HGET", "strata:codec-read:k", "b")).isEqualTo("unreadable");
    }
  }

  @Test
  void anotherErrorWhileEncoding_reachesTheCaller() {
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    StackOverflowError overflow = new StackOverflowError("a cyclic value");
    try (RedisCacheClient client = RedisTierKit.connected(options());
        MultiLevelCache<String, String> cache =
            cache(client, "codec-overflow", new MissingClassCodec(overflow), errors)) {
      RedisTierKit.awaitCoherent(cache);
      assertThatThrownBy(() -> cache.put("k", "bad")).isSameAs(overflow);
      assertThat(redis.server().command("EXISTS", "strata:codec-overflow:k")).isEqualTo(0L);
    }
  }
}
