package io.strata.cache.codec;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.strata.cache.codec.internal.BytesCodec;
import io.strata.cache.codec.internal.DeflateCodec;
import io.strata.cache.codec.internal.JacksonCodec;
import io.strata.cache.codec.internal.Utf8Codec;

/**
 * Turns values into bytes and back, for tiers that store bytes (Redis, a disk, a database). The
 * counterpart of Lettuce's {@code RedisCodec} for values.
 *
 * <pre>{@code
 * Codec<Tile> codec = Codec.compressed(Codec.json(Tile.class), 1024);
 * byte[] bytes = codec.encode(tile);
 * Tile back = codec.decode(bytes); // CodecException if the bytes are not a Tile
 * }</pre>
 *
 * <p><b>Untrusted input.</b> {@link #decode(byte[])} reads bytes from a shared store that other
 * processes write: another version of this service, another service, anyone with write access to
 * Redis. Implementations must treat them as hostile: no Java serialization, no class names taken
 * from the bytes, allocation bounded by limits rather than by what the bytes claim. Every failure
 * to decode is reported as a {@link CodecException}, the one exception a tier catches to turn an
 * entry into a miss.
 *
 * <p><b>Thread safety.</b> A codec is shared by every thread that uses its cache and must be
 * thread-safe; the built-in codecs are immutable.
 *
 * <p><b>Nullness.</b> Values are never null: {@link #encode} rejects null with a {@link
 * NullPointerException} and {@link #decode} never returns null. Neither method returns an array
 * that the codec keeps using, but they may return their argument itself ({@link #bytes()} does):
 * callers must not modify arrays they pass in or get back.
 *
 * <p><b>Identity.</b> {@link #id()} names the byte format. Tiers store it beside the bytes, so a
 * reader configured with a different codec (after a deployment changed it) sees a mismatch and
 * treats the entry as a miss instead of misreading it.
 *
 * <p><b>Jackson.</b> Jackson Databind is an optional dependency: {@link #bytes()}, {@link #utf8()}
 * and {@link #compressed} work without it; the {@code json} factories need {@code
 * com.fasterxml.jackson.core:jackson-databind} on the class path and throw {@link
 * IllegalStateException} if it is absent. Their Jackson parameter types are resolved only when they
 * are called. For Jackson 3 ({@code tools.jackson}), use {@link Jackson3Codecs}: the same codecs
 * with the same id ({@code "json"}), so either reads what the other wrote.
 *
 * @param <V> the type of value
 * @since 0.1.0
 */
// Jackson is optional (requires static): its types in these signatures are the caller's to bring.
@SuppressWarnings("exports")
public interface Codec<V> {

  /**
   * Default for {@link #compressed(Codec, int, int)}: the largest payload, in bytes, a compressing
   * codec inflates (16 MiB) before it gives up with a {@link CodecException}.
   */
  int DEFAULT_MAX_DECOMPRESSED_BYTES = 16 * 1024 * 1024;

  /**
   * Default JSON limit: the deepest nesting of arrays and objects read (200; Jackson's is 1000).
   */
  int DEFAULT_JSON_MAX_NESTING_DEPTH = 200;

  /** Default JSON limit: the longest string value read, in chars (5,000,000; Jackson's is 20M). */
  int DEFAULT_JSON_MAX_STRING_LENGTH = 5_000_000;

  /** Default JSON limit: the longest number read, in chars (1000, as Jackson's). */
  int DEFAULT_JSON_MAX_NUMBER_LENGTH = 1_000;

  /** Default JSON limit: the longest property name read, in chars (50,000, as Jackson's). */
  int DEFAULT_JSON_MAX_NAME_LENGTH = 50_000;

  /**
   * Default JSON limit: the largest document read, in bytes (16 MiB; Jackson's is unlimited). A
   * JSON codec also refuses to encode a value whose document would exceed its mapper's limit, since
   * it could never read it back.
   */
  long DEFAULT_JSON_MAX_DOCUMENT_LENGTH = 16L * 1024 * 1024;

  /**
   * Default JSON limit: the most tokens read in one document (1,000,000; Jackson's is unlimited).
   * It bounds how far a small document may inflate in memory: 16 MiB of {@code [{},{},...]} would
   * otherwise become millions of maps.
   */
  long DEFAULT_JSON_MAX_TOKEN_COUNT = 1_000_000;

  /**
   * Returns the bytes that represent {@code value}.
   *
   * @param value the value to encode
   * @return the encoded bytes, never null
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if this codec cannot represent {@code value} (a type Jackson
   *     cannot serialize, a string that is not valid UTF-16, a value above a size limit)
   */
  byte[] encode(V value);

  /**
   * Returns the value that {@code bytes} represent. The bytes are untrusted input.
   *
   * @param bytes bytes read from a tier, as written by {@link #encode} of a codec with the same
   *     {@link #id()}, or by anything else
   * @return the decoded value, never null
   * @throws NullPointerException if {@code bytes} is null
   * @throws CodecException if the bytes cannot be decoded: corrupt, truncated, written by another
   *     codec or for another type, above a limit, or hostile
   */
  V decode(byte[] bytes) throws CodecException;

  /**
   * Returns a short, stable identifier of this codec's byte format ({@code "bytes"}, {@code
   * "utf8"}, {@code "json"}, {@code "deflate+json"}), stored beside the bytes so a reader can tell
   * bytes written by a different codec. Two codecs with equal ids must be able to read each other's
   * bytes. Custom codecs should use a name that does not collide with the built-in ones.
   */
  String id();

  /**
   * Returns the media type of the bytes {@link #encode} returns, for people and tools that inspect
   * a tier; {@code "application/octet-stream"} unless the codec knows better.
   */
  default String contentType() {
    return "application/octet-stream";
  }

  /**
   * Returns a codec for byte arrays that stores them as they are: {@code encode} and {@code decode}
   * return their argument itself, without a copy, and {@code decode} never fails. Its id is {@code
   * "bytes"}.
   */
  static Codec<byte[]> bytes() {
    return BytesCodec.INSTANCE;
  }

  /**
   * Returns a codec for strings as UTF-8. {@code decode} rejects malformed UTF-8 (invalid, overlong
   * or truncated sequences, encoded surrogates) with a {@link CodecException} rather than replacing
   * it; {@code encode} rejects a string with an unpaired surrogate with an {@link
   * IllegalArgumentException}, so that every string encoded reads back equal. Its id is {@code
   * "utf8"}.
   */
  static Codec<String> utf8() {
    return Utf8Codec.INSTANCE;
  }

  /**
   * Returns a JSON codec bound to {@code type}, using a shared mapper built by {@link
   * #jsonMapperBuilder()}: no default typing, the {@code DEFAULT_JSON_*} read limits, trailing
   * tokens rejected, unknown properties ignored. Its id is {@code "json"}.
   *
   * <p>Unknown properties are ignored so that two versions of a service can share a cache during a
   * rolling deploy: an older reader skips the properties a newer version of the type added, and a
   * newer reader sees the properties an older writer lacked as absent (null, or a primitive's
   * default). For strict reading, pass a mapper built with {@code
   * jsonMapperBuilder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)}: a document
   * with an unknown property is then a {@link CodecException}, which a remote tier treats as a
   * corrupt entry and deletes.
   *
   * @param type the class of values; for a generic type use {@link #json(TypeReference)}
   * @throws NullPointerException if {@code type} is null
   * @throws IllegalStateException if Jackson Databind is not on the class path
   */
  static <V> Codec<V> json(Class<V> type) {
    requireJackson();
    return JacksonCodec.of(type);
  }

  /**
   * Returns a JSON codec bound to a generic type, e.g. {@code Codec.json(new
   * TypeReference<List<Map<String, Integer>>>() {})}, using the shared mapper of {@link
   * #json(Class)}.
   *
   * @throws NullPointerException if {@code type} is null
   * @throws IllegalStateException if Jackson Databind is not on the class path
   */
  static <V> Codec<V> json(TypeReference<V> type) {
    requireJackson();
    return JacksonCodec.of(type);
  }

  /**
   * Returns a JSON codec bound to {@code type} that uses {@code mapper}, for values that need
   * modules (Java time, Kotlin) or other settings. Start the mapper from {@link
   * #jsonMapperBuilder()} to keep Strata's read limits; a mapper of your own keeps its own limits
   * and its own setting for unknown properties (a plain Jackson 2 {@code ObjectMapper} rejects
   * them, Spring Boot's ignores them). The codec snapshots the mapper's configuration now; it
   * always rejects trailing tokens.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code mapper} has default typing activated
   * @throws IllegalStateException if Jackson Databind is not on the class path
   */
  static <V> Codec<V> json(ObjectMapper mapper, Class<V> type) {
    requireJackson();
    return JacksonCodec.of(mapper, type);
  }

  /**
   * Returns a JSON codec bound to a generic type that uses {@code mapper}; see {@link
   * #json(ObjectMapper, Class)}.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code mapper} has default typing activated
   * @throws IllegalStateException if Jackson Databind is not on the class path
   */
  static <V> Codec<V> json(ObjectMapper mapper, TypeReference<V> type) {
    requireJackson();
    return JacksonCodec.of(mapper, type);
  }

  /**
   * Returns a JSON codec bound to {@code type} that uses {@code mapper}; see {@link
   * #json(ObjectMapper, Class)}. A {@link JavaType} does not carry {@code V}: the caller vouches
   * that it describes {@code V}.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code mapper} has default typing activated
   * @throws IllegalStateException if Jackson Databind is not on the class path
   */
  static <V> Codec<V> json(ObjectMapper mapper, JavaType type) {
    requireJackson();
    return JacksonCodec.of(mapper, type);
  }

  /**
   * Returns a new mapper builder with the settings of {@link #json(Class)}: the {@code
   * DEFAULT_JSON_*} read limits, no default typing, trailing tokens rejected, unknown properties
   * ignored, no source excerpts in parse locations, and class-name polymorphism
   * ({@code @JsonTypeInfo(use = CLASS)}) refused on base types as open as {@code Object} or {@code
   * Serializable}. Add modules or change features (e.g. enable {@code
   * DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES} for strict reading) and build it, then pass
   * it to {@link #json(ObjectMapper, Class)}. To change a read limit, replace it on the built
   * mapper's factory ({@code getFactory().setStreamReadConstraints(...)}).
   *
   * @throws IllegalStateException if Jackson Databind is not on the class path
   */
  static JsonMapper.Builder jsonMapperBuilder() {
    requireJackson();
    return JacksonCodec.defaultMapperBuilder();
  }

  /**
   * Returns a codec that deflates the bytes of {@code delegate} when they are {@code
   * thresholdBytes} long or longer, and inflates at most {@link #DEFAULT_MAX_DECOMPRESSED_BYTES}.
   *
   * @see #compressed(Codec, int, int)
   */
  static <V> Codec<V> compressed(Codec<V> delegate, int thresholdBytes) {
    return DeflateCodec.of(delegate, thresholdBytes, DEFAULT_MAX_DECOMPRESSED_BYTES);
  }

  /**
   * Returns a codec that deflates (zlib, JDK {@link java.util.zip.Deflater}) the bytes of {@code
   * delegate} when they are {@code thresholdBytes} long or longer and compression makes them
   * smaller; other values are stored as they are. Each frame starts with one header byte (0 =
   * stored, 1 = deflated), so every frame is readable whatever the threshold of its writer. Its id
   * is {@code "deflate+"} followed by the delegate's id.
   *
   * <p>Decoding is bounded: inflating stops with a {@link CodecException} as soon as the output
   * exceeds {@code maxDecompressedBytes}, so a zip bomb allocates no more than about that much. The
   * bound applies to every frame; {@code encode} refuses, with an {@link IllegalArgumentException},
   * a value whose delegate bytes exceed it, since it could never be read back. Decode failures of
   * the delegate propagate unchanged.
   *
   * @param delegate the codec whose bytes are compressed
   * @param thresholdBytes the smallest delegate output that is compressed; 0 compresses all
   * @param maxDecompressedBytes the largest delegate input {@code decode} produces
   * @throws NullPointerException if {@code delegate} is null
   * @throws IllegalArgumentException if {@code thresholdBytes} is negative or {@code
   *     maxDecompressedBytes} is not positive or too large for an array
   */
  static <V> Codec<V> compressed(Codec<V> delegate, int thresholdBytes, int maxDecompressedBytes) {
    return DeflateCodec.of(delegate, thresholdBytes, maxDecompressedBytes);
  }

  private static void requireJackson() {
    try {
      Class.forName(
          "com.fasterxml.jackson.databind.ObjectMapper", false, Codec.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw new IllegalStateException(
          "Codec.json needs Jackson Databind on the class path: add the dependency"
              + " com.fasterxml.jackson.core:jackson-databind (optional in cache-core); with"
              + " Jackson 3, use Jackson3Codecs.json",
          e);
    }
  }
}
