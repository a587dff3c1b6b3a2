package io.strata.cache.codec.internal;

import io.strata.cache.codec.Codec;
import io.strata.cache.codec.CodecException;
import java.io.Closeable;
import java.io.Serializable;
import java.util.Objects;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DatabindContext;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.jsontype.PolymorphicTypeValidator;

/**
 * JSON through Jackson 3 ({@code tools.jackson}), bound to one {@link JavaType}: the counterpart of
 * {@link JacksonCodec} with the same rules. Holds an {@link ObjectReader} and an {@link
 * ObjectWriter} built once; Jackson 3 mappers are immutable, so nothing reaches them later. Only
 * this class (and {@link io.strata.cache.codec.Jackson3Codecs}, which delegates to it) touches
 * Jackson 3, which is an optional dependency.
 */
public final class Jackson3Codec<V> implements Codec<V> {

  /** Longest excerpt of a Jackson message put into ours; the cause keeps the whole of it. */
  private static final int MAX_DETAIL = 200;

  private final JavaType type;
  private final ObjectReader reader;
  private final ObjectWriter writer;
  private final long maxDocumentLength;

  private Jackson3Codec(ObjectMapper mapper, JavaType type) {
    requireNoDefaultTyping(mapper, type);
    this.type = type;
    this.reader = mapper.readerFor(type).with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    this.writer = mapper.writerFor(type);
    this.maxDocumentLength =
        mapper.tokenStreamFactory().streamReadConstraints().getMaxDocumentLength();
  }

  /** See {@link io.strata.cache.codec.Jackson3Codecs#json(Class)}. */
  public static <V> Codec<V> of(Class<V> type) {
    Objects.requireNonNull(type, "type");
    ObjectMapper mapper = DefaultMapper.INSTANCE;
    return new Jackson3Codec<>(mapper, mapper.constructType(type));
  }

  /** See {@link io.strata.cache.codec.Jackson3Codecs#json(TypeReference)}. */
  public static <V> Codec<V> of(TypeReference<V> type) {
    Objects.requireNonNull(type, "type");
    ObjectMapper mapper = DefaultMapper.INSTANCE;
    return new Jackson3Codec<>(mapper, mapper.constructType(type));
  }

  /** See {@link io.strata.cache.codec.Jackson3Codecs#json(ObjectMapper, Class)}. */
  public static <V> Codec<V> of(ObjectMapper mapper, Class<V> type) {
    Objects.requireNonNull(mapper, "mapper");
    Objects.requireNonNull(type, "type");
    return new Jackson3Codec<>(mapper, mapper.constructType(type));
  }

  /** See {@link io.strata.cache.codec.Jackson3Codecs#json(ObjectMapper, TypeReference)}. */
  public static <V> Codec<V> of(ObjectMapper mapper, TypeReference<V> type) {
    Objects.requireNonNull(mapper, "mapper");
    Objects.requireNonNull(type, "type");
    return new Jackson3Codec<>(mapper, mapper.constructType(type));
  }

  /** See {@link io.strata.cache.codec.Jackson3Codecs#json(ObjectMapper, JavaType)}. */
  public static <V> Codec<V> of(ObjectMapper mapper, JavaType type) {
    Objects.requireNonNull(mapper, "mapper");
    Objects.requireNonNull(type, "type");
    return new Jackson3Codec<>(mapper, type);
  }

  /** The {@code DEFAULT_JSON_*} read limits of {@link Codec}. */
  public static StreamReadConstraints defaultReadConstraints() {
    return StreamReadConstraints.builder()
        .maxNestingDepth(Codec.DEFAULT_JSON_MAX_NESTING_DEPTH)
        .maxStringLength(Codec.DEFAULT_JSON_MAX_STRING_LENGTH)
        .maxNumberLength(Codec.DEFAULT_JSON_MAX_NUMBER_LENGTH)
        .maxNameLength(Codec.DEFAULT_JSON_MAX_NAME_LENGTH)
        .maxDocumentLength(Codec.DEFAULT_JSON_MAX_DOCUMENT_LENGTH)
        .maxTokenCount(Codec.DEFAULT_JSON_MAX_TOKEN_COUNT)
        .build();
  }

  /** See {@link io.strata.cache.codec.Jackson3Codecs#jsonMapperBuilder(StreamReadConstraints)}. */
  public static JsonMapper.Builder defaultMapperBuilder(StreamReadConstraints limits) {
    Objects.requireNonNull(limits, "limits");
    return JsonMapper.builder(
            JsonFactory.builder()
                .streamReadConstraints(limits)
                .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
                .build())
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        // Jackson 3's defaults, stated: a reader skips the properties a newer writer added.
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        // Jackson 2's default (3 writes "{}"): a value with nothing to write cannot be read back.
        .enable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
        .polymorphicTypeValidator(NoOpenBaseTypes.INSTANCE);
  }

  private static void requireNoDefaultTyping(ObjectMapper mapper, JavaType type) {
    if (mapper.deserializationConfig().getDefaultTyper(type) != null
        || mapper.serializationConfig().getDefaultTyper(type) != null) {
      throw new IllegalArgumentException(
          "mapper must not have default typing activated, but it has: bytes read from a remote"
              + " tier are untrusted and default typing lets them name classes to instantiate;"
              + " build the mapper without activateDefaultTyping, e.g. from"
              + " Jackson3Codecs.jsonMapperBuilder()");
    }
  }

  @Override
  public byte[] encode(V value) {
    Objects.requireNonNull(value, "value");
    byte[] bytes;
    try {
      bytes = writer.writeValueAsBytes(value);
    } catch (JacksonException e) {
      throw new IllegalArgumentException(
          "cannot encode a "
              + value.getClass().getName()
              + " as JSON "
              + type.toCanonical()
              + ": "
              + detail(e)
              + ModuleAccess.hint(e, value.getClass(), ObjectMapper.class.getModule()),
          e);
    }
    if (maxDocumentLength >= 0 && bytes.length > maxDocumentLength) {
      throw new IllegalArgumentException(
          "value encodes to "
              + bytes.length
              + " bytes of JSON, more than the mapper's maxDocumentLength ("
              + maxDocumentLength
              + ") that decode accepts; raise the limit or cache smaller values");
    }
    return bytes;
  }

  @Override
  public V decode(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    V value;
    try {
      value = reader.readValue(bytes);
    } catch (RuntimeException e) {
      // JacksonException (unchecked in Jackson 3) covers parse, constraint and mapping errors;
      // the rest is whatever a deserializer or a value's constructor throws unwrapped.
      throw new CodecException(
          "cannot decode "
              + bytes.length
              + " bytes as JSON "
              + type.toCanonical()
              + ": "
              + detail(e)
              + ModuleAccess.hint(e, type.getRawClass(), ObjectMapper.class.getModule()),
          e);
    }
    if (value == null) {
      throw new CodecException("JSON null is not a value of " + type.toCanonical());
    }
    return value;
  }

  private static String detail(RuntimeException e) {
    String message =
        e instanceof JacksonException jackson ? jackson.getOriginalMessage() : e.getMessage();
    String detail = e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    return detail.length() <= MAX_DETAIL ? detail : detail.substring(0, MAX_DETAIL) + "...";
  }

  /** {@code "json"}, as the Jackson 2 codec's: the bytes are the same format, read by either. */
  @Override
  public String id() {
    return "json";
  }

  @Override
  public String contentType() {
    return "application/json";
  }

  @Override
  public String toString() {
    return "Jackson3Codecs.json(" + type.toCanonical() + ")";
  }

  /** The mapper shared by the codecs of {@code Jackson3Codecs.json(Class)}; built on first use. */
  private static final class DefaultMapper {
    static final JsonMapper INSTANCE = defaultMapperBuilder(defaultReadConstraints()).build();
  }

  /**
   * Refuses class-name polymorphism ({@code @JsonTypeInfo(use = CLASS or MINIMAL_CLASS)}) whose
   * base type is open enough to admit gadget classes, as {@code JacksonCodec.NoOpenBaseTypes} does
   * for Jackson 2. Default typing is refused separately.
   */
  static final class NoOpenBaseTypes extends PolymorphicTypeValidator.Base {

    private static final long serialVersionUID = 1L;

    static final NoOpenBaseTypes INSTANCE = new NoOpenBaseTypes();

    private static final Set<Class<?>> OPEN_BASE_TYPES =
        Set.of(
            Object.class,
            Serializable.class,
            Comparable.class,
            Cloneable.class,
            AutoCloseable.class,
            Closeable.class,
            Runnable.class,
            Iterable.class);

    @Override
    public Validity validateBaseType(DatabindContext context, JavaType baseType) {
      return OPEN_BASE_TYPES.contains(baseType.getRawClass()) ? Validity.DENIED : Validity.ALLOWED;
    }

    private Object readResolve() {
      return INSTANCE;
    }
  }
}
