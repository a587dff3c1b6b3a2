package io.strata.cache.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import org.junit.jupiter.api.Test;

class BytesCodecTest {

  private final Codec<byte[]> codec = Codec.bytes();

  @Test
  void roundTrip_anyBytes_returnsSameBytes() {
    byte[] value = {0, 1, (byte) 0xff, (byte) 0x80, 42};

    assertThat(codec.decode(codec.encode(value))).isEqualTo(value);
  }

  @Test
  void roundTrip_empty_returnsEmpty() {
    assertThat(codec.decode(codec.encode(new byte[0]))).isEmpty();
  }

  @Test
  void encode_returnsArgumentWithoutCopy() {
    byte[] value = {1, 2, 3};

    assertThat(codec.encode(value)).isSameAs(value);
    assertThat(codec.decode(value)).isSameAs(value);
  }

  @Test
  void id_isBytes() {
    assertThat(codec.id()).isEqualTo("bytes");
    assertThat(codec.contentType()).isEqualTo("application/octet-stream");
  }

  @Test
  void encodeAndDecode_null_throwNamedNullPointerException() {
    assertThatNullPointerException().isThrownBy(() -> codec.encode(null)).withMessage("value");
    assertThatNullPointerException().isThrownBy(() -> codec.decode(null)).withMessage("bytes");
  }
}
