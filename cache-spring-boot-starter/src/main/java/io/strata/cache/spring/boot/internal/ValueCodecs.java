package io.strata.cache.spring.boot.internal;

import io.strata.cache.codec.Codec;
import org.jspecify.annotations.Nullable;

/** The Redis tier's value codec of a cache, chosen from its configured value type. */
public final class ValueCodecs {

  private static final boolean JACKSON_3 = present("tools.jackson.databind.ObjectMapper");

  private ValueCodecs() {}

  private static boolean present(String className) {
    try {
      Class.forName(className, false, ValueCodecs.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /**
   * Returns the codec of {@code type}: UTF-8 for String, raw for byte[], else JSON bound to the type
   * through {@code jackson3Mapper} (the application's) or a default Jackson 3 mapper.
   *
   * @param jackson3Mapper a {@code tools.jackson.databind.ObjectMapper}, or null
   * @throws IllegalStateException if no Jackson is on the class path for a JSON type
   */
  public static Codec<?> forType(Class<?> type, @Nullable Object jackson3Mapper) {
    if (type == String.class) {
      return Codec.utf8();
    }
    if (type == byte[].class) {
      return Codec.bytes();
    }
    if (JACKSON_3) {
      return Jackson3Codec.create(jackson3Mapper, type); // loads Jackson 3 only here
    }
    throw new IllegalStateException(
        "values of type " + type.getName() + " need Jackson (tools.jackson.core:jackson-databind)"
            + " on the class path to be stored in Redis as JSON");
  }
}
