package io.strata.cache.spring.boot.internal;

import io.strata.cache.codec.Codec;
import io.strata.cache.codec.Jackson3Codecs;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.ObjectMapper;

/**
 * Loads Jackson 3 only when called, so the starter runs without it. JSON is bound to the configured
 * type, never to a class named by the bytes (core's {@link Jackson3Codecs} refuses default typing).
 */
final class Jackson3Codec {

  private Jackson3Codec() {}

  /**
   * Returns core's Jackson 3 codec of {@code type}, through {@code mapper} (the application's) if
   * it is a Jackson 3 mapper, else through Strata's mapper with its read limits.
   */
  static Codec<?> create(@Nullable Object mapper, Class<?> type) {
    return mapper instanceof ObjectMapper given
        ? Jackson3Codecs.json(given, type)
        : Jackson3Codecs.json(type);
  }
}
