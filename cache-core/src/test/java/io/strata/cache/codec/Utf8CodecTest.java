package io.strata.cache.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class Utf8CodecTest {

  private final Codec<String> codec = Codec.utf8();

  @ParameterizedTest
  @ValueSource(
      strings = {"", "tile/12/2048/1361.png", "São Paulo ação", "日本語", "emoji \uD83D\uDE00"})
  void roundTrip_validString_returnsEqualString(String value) {
    byte[] bytes = codec.encode(value);

    assertThat(bytes).isEqualTo(value.getBytes(StandardCharsets.UTF_8));
    assertThat(codec.decode(bytes)).isEqualTo(value);
  }

  static Stream<Arguments> malformedUtf8() {
    return Stream.of(
        Arguments.of("lone continuation byte", new byte[] {'a', (byte) 0x80}),
        Arguments.of("invalid lead byte", new byte[] {(byte) 0xff}),
        Arguments.of("bad continuation", new byte[] {(byte) 0xc3, 0x28}),
        Arguments.of("overlong '/'", new byte[] {(byte) 0xc0, (byte) 0xaf}),
        Arguments.of("encoded surrogate", new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}),
        Arguments.of("truncated sequence", new byte[] {'x', (byte) 0xe2, (byte) 0x82}),
        Arguments.of(
            "above U+10FFFF", new byte[] {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedUtf8")
  void decode_malformedUtf8_throwsCodecException(String description, byte[] bytes) {
    assertThatThrownBy(() -> codec.decode(bytes))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("malformed UTF-8");
  }

  @Test
  void encode_unpairedSurrogate_throwsIllegalArgumentException() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> codec.encode("broken \uD800 pair"))
        .withMessageContaining("unpaired surrogate");
  }

  @Test
  void id_isUtf8() {
    assertThat(codec.id()).isEqualTo("utf8");
    assertThat(codec.contentType()).isEqualTo("text/plain; charset=utf-8");
  }

  @Test
  void encodeAndDecode_null_throwNamedNullPointerException() {
    assertThatNullPointerException().isThrownBy(() -> codec.encode(null)).withMessage("value");
    assertThatNullPointerException().isThrownBy(() -> codec.decode(null)).withMessage("bytes");
  }
}
