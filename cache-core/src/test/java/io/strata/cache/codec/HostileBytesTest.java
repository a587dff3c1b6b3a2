package io.strata.cache.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract every built-in codec keeps on untrusted input: {@code decode} either returns a value
 * or throws {@link CodecException}, never another exception. Inputs come from a seeded random
 * source, so a failure reproduces.
 */
class HostileBytesTest {

  record Tile(String name, int zoom, List<String> tags) {}

  private static final Tile TILE = new Tile("osm", 12, List.of("base", "ação", "x".repeat(300)));

  static Stream<Arguments> codecs() {
    return Stream.of(
        Arguments.of(Codec.utf8(), "tile/12/ação".repeat(40)),
        Arguments.of(Codec.json(Tile.class), TILE),
        Arguments.of(Codec.json(Object.class), Map.of("a", List.of(1, 2.5, "x"), "b", true)),
        Arguments.of(Codec.compressed(Codec.json(Tile.class), 0), TILE),
        Arguments.of(Jackson3Codecs.json(Tile.class), TILE),
        Arguments.of(
            Jackson3Codecs.json(Object.class), Map.of("a", List.of(1, 2.5, "x"), "b", true)),
        Arguments.of(Codec.compressed(Jackson3Codecs.json(Tile.class), 0), TILE),
        Arguments.of(Codec.compressed(Codec.utf8(), 0, 4096), "tile/12/ação".repeat(40)),
        Arguments.of(Codec.compressed(Codec.bytes(), 0, 4096), new byte[1000]));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("codecs")
  <V> void decode_randomBytes_returnsOrThrowsCodecException(Codec<V> codec, V sample) {
    Random random = new Random(20240601L);
    for (int i = 0; i < 2000; i++) {
      byte[] bytes = new byte[random.nextInt(64)];
      random.nextBytes(bytes);
      if (i % 2 == 0 && bytes.length > 0) {
        bytes[0] = (byte) random.nextInt(3); // reach the compressed codec's frame decoders
      }
      decodeOrCodecException(codec, bytes);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("codecs")
  <V> void decode_mutatedValidBytes_returnsOrThrowsCodecException(Codec<V> codec, V sample) {
    byte[] valid = codec.encode(sample);
    Random random = new Random(7L);
    for (int i = 0; i < 2000; i++) {
      byte[] bytes = valid.clone();
      int flips = 1 + random.nextInt(4);
      for (int f = 0; f < flips; f++) {
        bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
      }
      if (random.nextInt(4) == 0) {
        bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
      }
      decodeOrCodecException(codec, bytes);
    }
  }

  private static <V> void decodeOrCodecException(Codec<V> codec, byte[] bytes) {
    try {
      assertThat(codec.decode(bytes)).isNotNull();
    } catch (CodecException expected) {
      // the only failure a tier has to handle
    } catch (RuntimeException | Error e) {
      fail(
          "%s threw %s instead of CodecException for %s",
          codec, e, new String(bytes, StandardCharsets.ISO_8859_1), e);
    }
  }
}
