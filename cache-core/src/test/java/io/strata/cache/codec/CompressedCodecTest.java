package io.strata.cache.codec;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CompressedCodecTest {

  private static final int MIB = 1024 * 1024;

  record Tile(String name, int zoom, List<String> tags) {}

  private static byte[] repetitive(int length) {
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      bytes[i] = (byte) ('a' + i % 7);
    }
    return bytes;
  }

  private static byte[] random(int length) {
    byte[] bytes = new byte[length];
    new Random(42).nextBytes(bytes);
    return bytes;
  }

  /** A frame with header 1 and a zlib stream of {@code zeros} zero bytes, built in small chunks. */
  private static byte[] zipBomb(long zeros) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(1);
    byte[] chunk = new byte[64 * 1024];
    try (DeflaterOutputStream deflate =
        new DeflaterOutputStream(out, new Deflater(Deflater.BEST_COMPRESSION), 64 * 1024)) {
      for (long written = 0; written < zeros; written += chunk.length) {
        deflate.write(chunk);
      }
    }
    return out.toByteArray();
  }

  @Test
  void roundTrip_jsonDelegate_returnsEqualValue() {
    Codec<Tile> codec = Codec.compressed(Codec.json(Tile.class), 64);
    Tile tile = new Tile("osm", 12, List.of("x".repeat(500), "y".repeat(500)));

    byte[] frame = codec.encode(tile);

    assertThat(frame[0]).isEqualTo((byte) 1);
    assertThat(codec.decode(frame)).isEqualTo(tile);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 10, 100, 4096, 1_000_000})
  void roundTrip_anySizeAnyContent_returnsEqualBytes(int length) {
    Codec<byte[]> codec = Codec.compressed(Codec.bytes(), 0);

    assertThat(codec.decode(codec.encode(repetitive(length)))).isEqualTo(repetitive(length));
    assertThat(codec.decode(codec.encode(random(length)))).isEqualTo(random(length));
  }

  @Test
  void encode_belowThreshold_storesRaw() {
    Codec<byte[]> codec = Codec.compressed(Codec.bytes(), 1024);
    byte[] value = repetitive(1023);

    byte[] frame = codec.encode(value);

    assertThat(frame).hasSize(1024);
    assertThat(frame[0]).isEqualTo((byte) 0);
    assertThat(Arrays.copyOfRange(frame, 1, frame.length)).isEqualTo(value);
  }

  @Test
  void encode_atOrAboveThreshold_compressesAndIsSmaller() {
    Codec<byte[]> codec = Codec.compressed(Codec.bytes(), 1024);

    byte[] atThreshold = codec.encode(repetitive(1024));
    byte[] above = codec.encode(repetitive(100_000));

    assertThat(atThreshold[0]).isEqualTo((byte) 1);
    assertThat(atThreshold.length).isLessThan(1024);
    assertThat(above[0]).isEqualTo((byte) 1);
    assertThat(above.length).isLessThan(1_000);
  }

  @Test
  void encode_incompressibleAboveThreshold_storesRaw() {
    Codec<byte[]> codec = Codec.compressed(Codec.bytes(), 16);
    byte[] value = random(10_000);

    byte[] frame = codec.encode(value);

    assertThat(frame[0]).isEqualTo((byte) 0);
    assertThat(frame).hasSize(10_001);
    assertThat(codec.decode(frame)).isEqualTo(value);
  }

  @Test
  void decode_frameOfAnyThreshold_isReadable() {
    Codec<byte[]> writer = Codec.compressed(Codec.bytes(), 0);
    Codec<byte[]> reader = Codec.compressed(Codec.bytes(), 1_000_000);
    byte[] value = repetitive(5000);

    assertThat(reader.decode(writer.encode(value))).isEqualTo(value);
  }

  @Test
  void id_combinesAlgorithmAndDelegate() {
    assertThat(Codec.compressed(Codec.json(Tile.class), 1024).id()).isEqualTo("deflate+json");
    assertThat(Codec.compressed(Codec.utf8(), 0).id()).isEqualTo("deflate+utf8");
    assertThat(Codec.compressed(Codec.bytes(), 0).contentType())
        .isEqualTo("application/octet-stream");
  }

  @Test
  void decode_emptyFrame_throwsCodecException() {
    Codec<byte[]> codec = Codec.compressed(Codec.bytes(), 0);

    assertThatThrownBy(() -> codec.decode(new byte[0]))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("empty");
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 0x7f, 0x80, 0xff})
  void decode_unknownHeaderByte_throwsCodecException(int header) {
    Codec<byte[]> codec = Codec.compressed(Codec.bytes(), 0);

    assertThatThrownBy(() -> codec.decode(new byte[] {(byte) header, 1, 2, 3}))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("unknown deflate+bytes frame header");
  }

  @Test
  void decode_truncatedDeflateStream_throwsCodecException() {
    Codec<byte[]> codec = Codec.compressed(Codec.bytes(), 0);
    byte[] frame = codec.encode(repetitive(10_000));

    for (int cut : new int[] {1, 4, frame.length / 2, frame.length - 2}) {
      byte[] truncated = Arrays.copyOf(frame, frame.length - cut);

      assertThatThrownBy(() -> codec.decode(truncated))
          .as("cut %d bytes", cut)
          .isInstanceOf(CodecException.class);
    }
  }

  @Test
  void decode_corruptChecksum_throwsCodecException() {
    Codec<byte[]> codec = Codec.compressed(Codec.bytes(), 0);
    byte[] frame = codec.encode(repetitive(10_000));
    frame[frame.length - 1] ^= 0x01;

    assertThatThrownBy(() -> codec.decode(frame))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("corrupt");
  }

  @Test
  void decode_bytesAfterDeflateStream_throwsCodecException() {
    Codec<byte[]> codec = Codec.compressed(Codec.bytes(), 0);
    byte[] frame = codec.encode(repetitive(10_000));
    byte[] trailing = Arrays.copyOf(frame, frame.length + 3);

    assertThatThrownBy(() -> codec.decode(trailing))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("after the stream");
  }

  @Test
  void decode_headerOnlyDeflatedFrame_throwsCodecException() {
    Codec<byte[]> codec = Codec.compressed(Codec.bytes(), 0);

    assertThatThrownBy(() -> codec.decode(new byte[] {1})).isInstanceOf(CodecException.class);
  }

  @Test
  void decode_zipBomb_isBoundedByLimit() throws IOException {
    byte[] bomb = zipBomb(100L * MIB);
    assertThat(bomb.length).isLessThan(MIB);
    Codec<byte[]> codec = Codec.compressed(Codec.bytes(), 0, MIB);
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    assertThat(
            threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled())
        .as("thread allocation accounting (HotSpot) measures what the decoder allocates")
        .isTrue();
    long before = threads.getCurrentThreadAllocatedBytes();

    assertThatThrownBy(() -> codec.decode(bomb))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("more than maxDecompressedBytes (1048576)");

    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertThat(allocated).as("bytes allocated while decoding").isLessThan(8L * MIB);
  }

  @Test
  void decode_zipBomb_isBoundedByDefaultLimit() throws IOException {
    byte[] bomb = zipBomb(100L * MIB);
    Codec<byte[]> codec = Codec.compressed(Codec.bytes(), 0);

    assertThatThrownBy(() -> codec.decode(bomb))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("more than maxDecompressedBytes (16777216)");
  }

  @Test
  void decode_exactlyAtLimit_succeeds() {
    Codec<byte[]> codec = Codec.compressed(Codec.bytes(), 0, 4096);

    assertThat(codec.decode(codec.encode(new byte[4096]))).hasSize(4096);
  }

  @Test
  void decode_storedFrameAboveLimit_throwsCodecException() {
    Codec<byte[]> codec = Codec.compressed(Codec.bytes(), 0, 10);
    byte[] frame = new byte[12];

    assertThatThrownBy(() -> codec.decode(frame)).isInstanceOf(CodecException.class);
  }

  @Test
  void encode_valueAboveLimit_throwsIllegalArgumentException() {
    Codec<byte[]> codec = Codec.compressed(Codec.bytes(), 0, 4096);

    assertThatIllegalArgumentException()
        .isThrownBy(() -> codec.encode(new byte[4097]))
        .withMessageContaining("maxDecompressedBytes (4096)");
  }

  @Test
  void decode_delegateRejectsPayload_throwsCodecException() {
    Codec<String> codec = Codec.compressed(Codec.utf8(), 0);
    byte[] malformed = new byte[200];
    Arrays.fill(malformed, (byte) 0x80);
    byte[] frame = Codec.compressed(Codec.bytes(), 0).encode(malformed);
    assertThat(frame[0]).isEqualTo((byte) 1);

    assertThatThrownBy(() -> codec.decode(frame))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("malformed UTF-8");
  }

  @Test
  void decode_jsonDelegateInCompressedFrame_rejectsHostileJson() {
    Codec<Tile> codec = Codec.compressed(Codec.json(Tile.class), 0);
    byte[] frame =
        Codec.compressed(Codec.bytes(), 0)
            .encode("[\"java.util.HashMap\",{}]".repeat(10).getBytes(UTF_8));

    assertThatThrownBy(() -> codec.decode(frame)).isInstanceOf(CodecException.class);
  }

  @Test
  void compressed_badArguments_areRejected() {
    assertThatNullPointerException()
        .isThrownBy(() -> Codec.compressed(null, 0))
        .withMessage("delegate");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Codec.compressed(Codec.bytes(), -1))
        .withMessage("thresholdBytes must be >= 0, but was -1");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Codec.compressed(Codec.bytes(), 0, 0))
        .withMessageStartingWith("maxDecompressedBytes must be between 1 and ")
        .withMessageEndingWith(", but was 0");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Codec.compressed(Codec.bytes(), 0, Integer.MAX_VALUE));
  }
}
