package io.strata.cache.aside;

import io.strata.cache.MultiLevelCache;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A function served through a {@link MultiLevelCache}: {@code apply(key)} is {@code cache.get(key,
 * function::apply)}, so the function runs only on a miss, once for concurrent misses on one key.
 *
 * <pre>{@code
 * Function<String, User> find = CachedFunction.of(usersCache, repository::find);
 * }</pre>
 *
 * <p>The key is the function's argument itself, so it must suit the cache's key type (for a remote
 * tier, be encodable by it); use {@link CacheKeys} to make string keys from composite arguments. A
 * null result means "not found": {@code apply} returns null, and the cache keeps it only as a
 * negative entry if it has a {@code negativeTtl}. A runtime exception thrown by the function
 * reaches the caller unchanged, and nothing is cached.
 *
 * <p>Thread-safe if the function is: the function is called from many threads, never twice at once
 * for one key.
 *
 * @param <K> the type of key and argument
 * @param <V> the type of value and result
 */
public final class CachedFunction<K, V> implements Function<K, @Nullable V> {

  private final MultiLevelCache<K, V> cache;
  private final Function<? super K, ? extends @Nullable V> function;

  private CachedFunction(
      MultiLevelCache<K, V> cache, Function<? super K, ? extends @Nullable V> function) {
    this.cache = cache;
    this.function = function;
  }

  /**
   * Returns {@code function} served through {@code cache}.
   *
   * @throws NullPointerException if an argument is null
   */
  public static <K, V> CachedFunction<K, V> of(
      MultiLevelCache<K, V> cache, Function<? super K, ? extends @Nullable V> function) {
    Objects.requireNonNull(cache, "cache");
    Objects.requireNonNull(function, "function");
    return new CachedFunction<>(cache, function);
  }

  /**
   * Returns the cached value for {@code key}, calling the function on a miss.
   *
   * @return the value, or null if the function returned null
   * @throws NullPointerException if {@code key} is null
   */
  @Override
  public @Nullable V apply(K key) {
    Objects.requireNonNull(key, "key");
    return cache.get(key, function::apply);
  }

  @Override
  public String toString() {
    return "CachedFunction{cache=" + cache.name() + ", function=" + function + '}';
  }
}
