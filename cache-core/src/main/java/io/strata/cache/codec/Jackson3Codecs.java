package io.strata.cache.codec;

import io.strata.cache.codec.internal.Jackson3Codec;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON codecs on Jackson 3 ({@code tools.jackson.core:jackson-databind} 3.x, the Jackson of Spring
 * Boot 4): the counterparts of {@link Codec#json(Class)} and its siblings, with the same rules. A
 * codec is bound to one concrete type, never uses default typing, reads within the {@code
 * Codec.DEFAULT_JSON_*} limits, rejects trailing tokens and ignores unknown properties (unless its
 * mapper says otherwise).
 *
 * <pre>{@code
 * Codec<Tile> codec = Jackson3Codecs.json(Tile.class);
 * }</pre>
 *
 * <p><b>One format.</b> The id of these codecs is {@code "json"}, as that of the Jackson 2 codecs:
 * both write and read the same JSON, so a service moving from Jackson 2 to Jackson 3 reads the
 * entries its previous version wrote. Settings that change the JSON of a value (date formats,
 * naming strategies) must agree between the two mappers, as between any two writers of one cache.
 *
 * <p><b>Unknown properties.</b> They are ignored by default (Jackson 3's own default too), so that
 * two versions of a service can share a cache during a rolling deploy: an older reader skips the
 * properties a newer writer added, and a newer reader sees its new properties as absent (null).
 * For strict reading, build the mapper with {@code
 * .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)}: a document with an unknown property
 * is then a {@link CodecException}, which a remote tier treats as a corrupt entry and deletes.
 *
 * <p><b>Optional dependency.</b> Jackson 3 is an optional dependency of cache-core, independent of
 * Jackson 2: each factory throws {@link IllegalStateException} if Jackson 3 is not on the class
 * path, and this class never needs Jackson 2. The codecs are immutable and thread-safe.
 *
 * @since 0.1.0
 */
// Jackson 3 is optional (requires static): its types in these signatures are the caller's to bring.
@SuppressWarnings("exports")
public final class Jackson3Codecs {

  private Jackson3Codecs() {}

  /**
   * Returns a JSON codec bound to {@code type}, using a shared mapper built by {@link
   * #jsonMapperBuilder()}. Its id is {@code "json"}.
   *
   * @param <V> the type of value
   * @param type the class of values; for a generic type use {@link #json(TypeReference)}
   * @return an immutable, thread-safe codec
   * @throws NullPointerException if {@code type} is null
   * @throws IllegalStateException if Jackson 3 Databind is not on the class path
   */
  public static <V> Codec<V> json(Class<V> type) {
    requireJackson3();
    return Jackson3Codec.of(type);
  }

  /**
   * Returns a JSON codec bound to a generic type, e.g. {@code Jackson3Codecs.json(new
   * TypeReference<List<Map<String, Integer>>>() {})}, using the shared mapper of {@link
   * #json(Class)}.
   *
   * @param <V> the type of value
   * @param type the generic type of values
   * @return an immutable, thread-safe codec
   * @throws NullPointerException if {@code type} is null
   * @throws IllegalStateException if Jackson 3 Databind is not on the class path
   */
  public static <V> Codec<V> json(TypeReference<V> type) {
    requireJackson3();
    return Jackson3Codec.of(type);
  }

  /**
   * Returns a JSON codec bound to {@code type} that uses {@code mapper}, for values that need
   * modules or other settings. Start the mapper from {@link #jsonMapperBuilder()} to keep Strata's
   * read limits; a mapper of your own keeps its own limits and its own setting for unknown
   * properties. The codec always rejects trailing tokens.
   *
   * @param <V> the type of value
   * @param mapper the mapper whose configuration the codec uses
   * @param type the class of values
   * @return an immutable, thread-safe codec
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code mapper} has default typing activated
   * @throws IllegalStateException if Jackson 3 Databind is not on the class path
   */
  public static <V> Codec<V> json(ObjectMapper mapper, Class<V> type) {
    requireJackson3();
    return Jackson3Codec.of(mapper, type);
  }

  /**
   * Returns a JSON codec bound to a generic type that uses {@code mapper}; see {@link
   * #json(ObjectMapper, Class)}.
   *
   * @param <V> the type of value
   * @param mapper the mapper whose configuration the codec uses
   * @param type the generic type of values
   * @return an immutable, thread-safe codec
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code mapper} has default typing activated
   * @throws IllegalStateException if Jackson 3 Databind is not on the class path
   */
  public static <V> Codec<V> json(ObjectMapper mapper, TypeReference<V> type) {
    requireJackson3();
    return Jackson3Codec.of(mapper, type);
  }

  /**
   * Returns a JSON codec bound to {@code type} that uses {@code mapper}; see {@link
   * #json(ObjectMapper, Class)}. A {@link JavaType} does not carry {@code V}: the caller vouches
   * that it describes {@code V}.
   *
   * @param <V> the type of value
   * @param mapper the mapper whose configuration the codec uses
   * @param type the type of values, as the mapper's type factory built it
   * @return an immutable, thread-safe codec
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code mapper} has default typing activated
   * @throws IllegalStateException if Jackson 3 Databind is not on the class path
   */
  public static <V> Codec<V> json(ObjectMapper mapper, JavaType type) {
    requireJackson3();
    return Jackson3Codec.of(mapper, type);
  }

  /**
   * Returns a new mapper builder with the settings of {@link #json(Class)}: the {@code
   * DEFAULT_JSON_*} read limits of {@link Codec}, no default typing, trailing tokens rejected,
   * unknown properties ignored, values with no properties refused on write (Jackson 2's default),
   * no source excerpts in parse locations, and class-name polymorphism ({@code @JsonTypeInfo(use =
   * CLASS)}) refused on base types as open as {@code Object} or {@code Serializable}. Add modules
   * or change features (e.g. enable {@code DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES} for
   * strict reading), build it, then pass it to {@link #json(ObjectMapper, Class)}.
   *
   * @return a new builder, which the caller owns
   * @throws IllegalStateException if Jackson 3 Databind is not on the class path
   */
  public static JsonMapper.Builder jsonMapperBuilder() {
    requireJackson3();
    return Jackson3Codec.defaultMapperBuilder(Jackson3Codec.defaultReadConstraints());
  }

  /**
   * Returns a new mapper builder with the settings of {@link #jsonMapperBuilder()} but the read
   * limits {@code limits}. Jackson 3 fixes a mapper's stream factory when the builder is made, so
   * limits are chosen here rather than changed later; start from Strata's with {@code
   * jsonMapperBuilder().streamFactory().streamReadConstraints().rebuild()}.
   *
   * @param limits the read limits of the mapper's stream factory
   * @return a new builder, which the caller owns
   * @throws NullPointerException if {@code limits} is null
   * @throws IllegalStateException if Jackson 3 Databind is not on the class path
   */
  public static JsonMapper.Builder jsonMapperBuilder(StreamReadConstraints limits) {
    requireJackson3();
    return Jackson3Codec.defaultMapperBuilder(limits);
  }

  private static void requireJackson3() {
    try {
      Class.forName(
          "tools.jackson.databind.ObjectMapper", false, Jackson3Codecs.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw new IllegalStateException(
          "Jackson3Codecs needs Jackson 3 Databind on the class path: add the dependency"
              + " tools.jackson.core:jackson-databind (optional in cache-core); with Jackson 2,"
              + " use Codec.json",
          e);
    }
  }
}
