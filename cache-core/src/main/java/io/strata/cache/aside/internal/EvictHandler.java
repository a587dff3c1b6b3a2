package io.strata.cache.aside.internal;

import io.strata.cache.MultiLevelCache;
import java.lang.reflect.Method;
import org.jspecify.annotations.Nullable;

/** Serves a {@code @CacheEvict} method: call the target, then invalidate. Immutable. */
final class EvictHandler implements MethodHandler {

  private final Method method;
  private final Object target;
  private final MultiLevelCache<String, Object> cache;

  /** Null to evict every entry. */
  private final @Nullable KeyFunction keys;

  EvictHandler(
      Method method,
      Object target,
      MultiLevelCache<String, Object> cache,
      @Nullable KeyFunction keys) {
    this.method = method;
    this.target = target;
    this.cache = cache;
    this.keys = keys;
  }

  @Override
  public @Nullable Object invoke(@Nullable Object[] args) throws Throwable {
    // The key first: a bad argument fails before the target changes anything, and a target that
    // mutates its arguments does not change what is evicted.
    String key = keys == null ? null : keys.key(args);
    Object result = MethodHandler.call(method, target, args);
    if (key == null) {
      cache.invalidateAll();
    } else {
      cache.invalidate(key);
    }
    return result;
  }
}
