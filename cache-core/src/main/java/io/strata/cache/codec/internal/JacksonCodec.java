package io.strata.cache.codec.internal;

import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.cfg.MapperConfig;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.jsontype.PolymorphicTypeValidator;
import io.strata.cache.codec.Codec;
import io.strata.cache.codec.CodecException;
import java.io.Closeable;
import java.io.IOException;
import java.io.Serializable;
import java.util.Objects;
import java.util.Set;

/**
 * JSON through Jackson, bound to one {@link JavaType}. Holds an {@link ObjectReader} and an {@link
 * ObjectWriter} built once, which are immutable and thread-safe; later changes to the mapper do not
 * reach them. Only this class (and the methods of {@link Codec} that delegate to it) touches
 * Jackson, which is an optional dependency.
 */
public final class JacksonCodec<V> implements Codec<V> {

  /** Longest excerpt of a Jackson message put into ours; the cause keeps the whole of it. */
  private static final int MAX_DETAIL = 200;

  private final JavaType type;
  private final ObjectReader reader;
  private final ObjectWriter writer;
  private final long maxDocumentLength;

  private JacksonCodec(ObjectMapper mapper, JavaType type) {
    requireNoDefaultTyping(mapper, type);
    this.type = type;
    this.reader = mapper.readerFor(type).with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    this.writer = mapper.writerFor(type);
    this.maxDocumentLength = mapper.getFactory().streamReadConstraints().getMaxDocumentLength();
  }

  /** See {@link Codec#json(Class)}. */
  public static <V> Codec<V> of(Class<V> type) {
    Objects.requireNonNull(type, "type");
    ObjectMapper mapper = DefaultMapper.INSTANCE;
    return new JacksonCodec<>(mapper, mapper.constructType(type));
  }

  /** See {@link Codec#json(TypeReference)}. */
  public static <V> Codec<V> of(TypeReference<V> type) {
    Objects.requireNonNull(type, "type");
    ObjectMapper mapper = DefaultMapper.INSTANCE;
    return new JacksonCodec<>(mapper, mapper.constructType(type));
  }

  /** See {@link Codec#json(ObjectMapper, Class)}. */
  public static <V> Codec<V> of(ObjectMapper mapper, Class<V> type) {
    Objects.requireNonNull(mapper, "mapper");
    Objects.requireNonNull(type, "type");
    return new JacksonCodec<>(mapper, mapper.constructType(type));
  }

  /** See {@link Codec#json(ObjectMapper, TypeReference)}. */
  public static <V> Codec<V> of(ObjectMapper mapper, TypeReference<V> type) {
    Objects.requireNonNull(mapper, "mapper");
    Objects.requireNonNull(type, "type");
    return new JacksonCodec<>(mapper, mapper.constructType(type));
  }

  /** See {@link Codec#json(ObjectMapper, JavaType)}. */
  public static <V> Codec<V> of(ObjectMapper mapper, JavaType type) {
    Objects.requireNonNull(mapper, "mapper");
    Objects.requireNonNull(type, "type");
    return new JacksonCodec<>(mapper, type);
  }

  /** See {@link Codec#jsonMapperBuilder()}. */
  public static JsonMapper.Builder defaultMapperBuilder() {
    StreamReadConstraints limits =
        StreamReadConstraints.builder()
            .maxNestingDepth(Codec.DEFAULT_JSON_MAX_NESTING_DEPTH)
            .maxStringLength(Codec.DEFAULT_JSON_MAX_STRING_LENGTH)
            .maxNumberLength(Codec.DEFAULT_JSON_MAX_NUMBER_LENGTH)
            .maxNameLength(Codec.DEFAULT_JSON_MAX_NAME_LENGTH)
            .maxDocumentLength(Codec.DEFAULT_JSON_MAX_DOCUMENT_LENGTH)
            .maxTokenCount(Codec.DEFAULT_JSON_MAX_TOKEN_COUNT)
            .build();
    return JsonMapper.builder(
            new JsonFactoryBuilder()
                .streamReadConstraints(limits)
                .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
                .build())
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        // A reader skips the properties a newer writer added: two versions of a service share a
        // cache during a rolling deploy. Strict reading is the mapper's FAIL_ON_UNKNOWN_PROPERTIES.
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .polymorphicTypeValidator(NoOpenBaseTypes.INSTANCE);
  }

  private static void requireNoDefaultTyping(ObjectMapper mapper, JavaType type) {
    if (mapper.getDeserializationConfig().getDefaultTyper(type) != null
        || mapper.getSerializationConfig().getDefaultTyper(type) != null) {
      throw new IllegalArgumentException(
          "mapper must not have default typing activated, but it has: bytes read from a remote"
              + " tier are untrusted and default typing lets them name classes to instantiate;"
              + " build the mapper without activateDefaultTyping, e.g. from"
              + " Codec.jsonMapperBuilder()");
    }
  }

  @Override
  public byte[] encode(V value) {
    Objects.requireNonNull(value, "value");
    byte[] bytes;
    try {
      bytes = writer.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
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
    } catch (IOException | RuntimeException e) {
      // IOException covers Jackson's parse, constraint and mapping errors; RuntimeException covers
      // whatever a deserializer or a value's constructor throws that Jackson does not wrap.
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

  private static String detail(Exception e) {
    String message =
        e instanceof JsonProcessingException
            ? ((JsonProcessingException) e).getOriginalMessage()
            : e.getMessage();
    String detail = e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    return detail.length() <= MAX_DETAIL ? detail : detail.substring(0, MAX_DETAIL) + "...";
  }

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
    return "Codec.json(" + type.toCanonical() + ")";
  }

  /** The mapper shared by the codecs of {@link Codec#json(Class)}; built on first use. */
  private static final class DefaultMapper {
    static final JsonMapper INSTANCE = defaultMapperBuilder().build();
  }

  /**
   * Refuses class-name polymorphism ({@code @JsonTypeInfo(use = CLASS or MINIMAL_CLASS)}) whose
   * base type is open enough to admit gadget classes; a narrower base type of the application's own
   * confines the subtypes Jackson will instantiate to that hierarchy. Default typing is refused
   * separately. Name-based polymorphism ({@code Id.NAME}) never consults a validator.
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
    public Validity validateBaseType(MapperConfig<?> config, JavaType baseType) {
      return OPEN_BASE_TYPES.contains(baseType.getRawClass()) ? Validity.DENIED : Validity.ALLOWED;
    }

    private Object readResolve() {
      return INSTANCE;
    }
  }
}
