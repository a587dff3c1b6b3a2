package io.strata.cache.spring.internal;

import io.strata.cache.aside.CacheKeys;
import java.lang.reflect.Field;
import org.jspecify.annotations.Nullable;
import org.springframework.cache.interceptor.SimpleKey;

/**
 * Reads the elements of a {@link SimpleKey}, which has no accessor for them, by reflection on its
 * private {@code params} field (resolved once). Where that field cannot be read (a Spring version
 * that renamed it, or a module layer that forbids it), keys of several arguments are rejected with a
 * message that says what to do; they are never encoded through their {@code toString()}.
 */
public final class SimpleKeys {

  private static final @Nullable Field PARAMS = paramsField();

  private SimpleKeys() {}

  private static @Nullable Field paramsField() {
    try {
      Field field = SimpleKey.class.getDeclaredField("params");
      if (field.getType() != Object[].class) {
        return null;
      }
      field.setAccessible(true);
      return field;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /** Returns the canonical text of {@code key}'s elements, as {@link CacheKeys#of} gives it. */
  public static String text(SimpleKey key) {
    if (PARAMS == null) {
      throw new IllegalArgumentException(
          "cannot read the elements of " + key + " to make a deterministic key; give the"
              + " @Cacheable a key expression (key = \"#a + ':' + #b\") or a CacheKeyConverter");
    }
    Object[] params;
    try {
      params = (Object[]) PARAMS.get(key);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
    return CacheKeys.of(params);
  }
}
