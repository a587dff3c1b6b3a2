package io.strata.cache.aside.internal;

import io.strata.cache.Loaded;
import io.strata.cache.Loader;
import io.strata.cache.MultiLevelCache;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.UndeclaredThrowableException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;

/** Serves a {@code @Cached} method: {@code cache.get(key, target method)}. Immutable. */
final class CachedHandler implements MethodHandler {

  private final String id;
  private final Method method;
  private final Object target;
  private final MultiLevelCache<String, Object> cache;
  private final KeyFunction keys;
  private final @Nullable Duration ttl;
  private final boolean optional;
  private final boolean primitive;

  CachedHandler(
      String id,
      Method method,
      Object target,
      MultiLevelCache<String, Object> cache,
      KeyFunction keys,
      @Nullable Duration ttl) {
    this.id = id;
    this.method = method;
    this.target = target;
    this.cache = cache;
    this.keys = keys;
    this.ttl = ttl;
    this.optional = method.getReturnType() == Optional.class;
    this.primitive = method.getReturnType().isPrimitive();
  }

  @Override
  public @Nullable Object invoke(@Nullable Object[] args) throws Throwable {
    String key = keys.key(args);
    Object value;
    try {
      value = cache.get(key, new TargetLoader(args));
    } catch (CompletionException e) {
      throw MethodHandler.unwrap(e, method);
    }
    if (optional) {
      return Optional.ofNullable(value);
    }
    if (value == null && primitive) {
      throw new IllegalStateException(
          id
              + ": the cache has a \"not found\" entry for this call's key, but the method returns"
              + " a primitive; a method sharing this key template returned null. Give the"
              + " methods different key templates");
    }
    return value;
  }

  /** Calls the target for one invocation's arguments. */
  private final class TargetLoader implements Loader<String, Object> {

    private final @Nullable Object[] args;

    TargetLoader(@Nullable Object[] args) {
      this.args = args;
    }

    @Override
    public @Nullable Object load(String key) throws Exception {
      Object result;
      try {
        result = method.invoke(target, args);
      } catch (InvocationTargetException e) {
        Throwable cause = e.getCause();
        if (cause instanceof Exception exception) {
          throw exception;
        }
        if (cause instanceof Error error) {
          throw error;
        }
        throw new UndeclaredThrowableException(cause);
      }
      if (optional) {
        return result == null ? null : ((Optional<?>) result).orElse(null);
      }
      return result;
    }

    @Override
    public Loaded<Object> loadEntry(String key) throws Exception {
      Object value = load(key);
      if (value == null) {
        return Loaded.notFound();
      }
      return ttl == null ? Loaded.of(value) : Loaded.builder(value).ttl(ttl).build();
    }

    @Override
    public String toString() {
      return id;
    }
  }
}
