package io.strata.cache.spring.boot.internal;

import io.strata.cache.codec.Codec;
import io.strata.cache.codec.CodecException;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.ObjectMapper;

/**
 * JSON bound to one type through the application's Jackson 3 mapper. The type comes from
 * configuration, never from the bytes: no default typing, since Redis bytes are untrusted.
 */
final class Jackson3Codec implements Codec<Object> {

  private final ObjectMapper mapper;
  private final JavaType type;

  /** Returns a codec through {@code mapper} if it is a Jackson 3 mapper, else a default one. */
  static Jackson3Codec create(@Nullable Object mapper, Class<?> type) {
    ObjectMapper chosen =
        mapper instanceof ObjectMapper given ? given : tools.jackson.databind.json.JsonMapper.builder().build();
    return new Jackson3Codec(chosen, type);
  }

  Jackson3Codec(ObjectMapper mapper, Class<?> type) {
    this.mapper = Objects.requireNonNull(mapper, "mapper");
    this.type = mapper.constructType(type);
  }

  @Override
  public byte[] encode(Object value) {
    Objects.requireNonNull(value, "value");
    try {
      return mapper.writeValueAsBytes(value);
    } catch (JacksonException e) {
      throw new IllegalArgumentException("cannot write " + value.getClass().getName() + " as JSON", e);
    }
  }

  @Override
  public Object decode(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    try {
      Object value = mapper.readValue(bytes, type);
      if (value == null) {
        throw new CodecException("JSON null is not a " + type);
      }
      return value;
    } catch (JacksonException e) {
      throw new CodecException("not a JSON " + type + ": " + e.getOriginalMessage(), e);
    }
  }

  @Override
  public String id() {
    return "json";
  }

  @Override
  public String contentType() {
    return "application/json";
  }
}
