package io.strata.cache.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.cache.codec.Codec;
import io.strata.cache.codec.CodecException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The byte form of HttpValue: it round-trips, and hostile bytes are only ever a CodecException. */
class HttpValueCodecTest {

  private static final HttpValue VALUE =
      HttpValue.of(
          200,
          "{\"tile\":true}".getBytes(StandardCharsets.UTF_8),
          "application/json; charset=utf-8",
          Map.of("ETag", List.of("\"v1\""), "cache-control", List.of("max-age=60", "public")));

  @Test
  void roundTrip_keepsEverything() {
    Codec<HttpValue> codec = HttpValue.codec();
    HttpValue back = codec.decode(codec.encode(VALUE));
    assertThat(back).isEqualTo(VALUE);
    assertThat(back.header("etag")).contains("\"v1\"");
    assertThat(back.headers().get("cache-control")).containsExactly("max-age=60", "public");
    assertThat(codec.id()).isEqualTo("strata-http-value");
  }

  @Test
  void roundTrip_ofAnEmptyBodyWithoutContentType() {
    HttpValue empty = HttpValue.of(204, new byte[0], null, Map.of());
    assertThat(HttpValue.codec().decode(HttpValue.codec().encode(empty))).isEqualTo(empty);
  }

  @Test
  void compressed_roundTrips() {
    Codec<HttpValue> codec = Codec.compressed(HttpValue.codec(), 0);
    assertThat(codec.decode(codec.encode(VALUE))).isEqualTo(VALUE);
  }

  @Test
  void everyTruncation_isACodecException() {
    byte[] bytes = HttpValue.codec().encode(VALUE);
    for (int length = 0; length < bytes.length; length++) {
      byte[] cut = Arrays.copyOf(bytes, length);
      assertThatThrownBy(() -> HttpValue.codec().decode(cut)).isInstanceOf(CodecException.class);
    }
  }

  @Test
  void trailingBytes_anUnknownVersion_andABadStatus_areRejected() {
    byte[] bytes = HttpValue.codec().encode(VALUE);
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
    assertThatThrownBy(() -> HttpValue.codec().decode(longer)).hasMessageContaining("follow");
    byte[] version = bytes.clone();
    version[0] = 9;
    assertThatThrownBy(() -> HttpValue.codec().decode(version)).hasMessageContaining("version");
    byte[] status = bytes.clone();
    status[1] = 0x7f;
    assertThatThrownBy(() -> HttpValue.codec().decode(status)).hasMessageContaining("status");
  }

  @Test
  void aClaimedBodyAboveTheLimit_isRejectedBeforeAllocation() {
    HttpValue big = HttpValue.of(200, new byte[1000], null, Map.of());
    byte[] bytes = HttpValue.codec().encode(big);
    assertThatThrownBy(() -> HttpValue.codec(999).decode(bytes))
        .isInstanceOf(CodecException.class).hasMessageContaining("999");
    assertThatThrownBy(() -> HttpValue.codec(999).encode(big)).isInstanceOf(IllegalArgumentException.class);
    // A header claiming 2 GiB of body in a 20-byte array.
    byte[] liar = {1, 0, (byte) 200, -1, -1, -1, -1, 0, 0, 0x7f, -1, -1, -1};
    assertThatThrownBy(() -> HttpValue.codec().decode(liar)).isInstanceOf(CodecException.class);
  }

  @Test
  void malformedUtf8InAHeader_isRejected() {
    byte[] bytes = {1, 0, (byte) 200, -1, -1, -1, -1, 0, 1, 0, 0, 0, 1, (byte) 0xC3, 0, 0, 0, 1, 'x', 0, 0, 0, 0};
    assertThatThrownBy(() -> HttpValue.codec().decode(bytes))
        .isInstanceOf(CodecException.class).hasMessageContaining("UTF-8");
  }

  @Test
  void randomBytes_areOnlyEverACodecException() {
    Random random = new Random(42);
    byte[] valid = HttpValue.codec().encode(VALUE);
    for (int i = 0; i < 5_000; i++) {
      byte[] bytes =
          i % 2 == 0 ? new byte[random.nextInt(64)] : valid.clone();
      if (i % 2 == 0) {
        random.nextBytes(bytes);
      } else {
        bytes[random.nextInt(bytes.length)] = (byte) random.nextInt();
      }
      try {
        HttpValue.codec().decode(bytes);
      } catch (CodecException expected) {
        // the only allowed failure
      }
    }
  }

  @Test
  void httpValue_isImmutable() {
    byte[] body = {1, 2, 3};
    HttpValue value = HttpValue.of(200, body, null, Map.of());
    body[0] = 9;
    value.body()[1] = 9;
    assertThat(value.body()).containsExactly(1, 2, 3);
    assertThat(value.bodyBuffer().isReadOnly()).isTrue();
    assertThatThrownBy(() -> value.headers().put("x", List.of())).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> HttpValue.of(99, body, null, Map.of())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void bodyAsString_usesTheCharsetOfTheContentType() {
    HttpValue latin = HttpValue.of(200, new byte[] {(byte) 0xE9}, "text/plain; charset=ISO-8859-1", Map.of());
    assertThat(latin.bodyAsString()).isEqualTo("é");
    HttpValue unknown = HttpValue.of(200, "é".getBytes(StandardCharsets.UTF_8), "text/plain; charset=nope", Map.of());
    assertThat(unknown.bodyAsString()).isEqualTo("é");
  }
}
