package io.strata.cache.aside;

import io.strata.cache.MultiLevelCache;
import io.strata.cache.aside.internal.AsideProxyFactory;
import java.lang.reflect.Modifier;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Wraps an interface so that its {@link Cached} methods are served through a {@link
 * MultiLevelCache} and its {@link CacheEvict} methods evict from one (the cache-aside pattern,
 * without touching the implementation).
 *
 * <pre>{@code
 * UserRepository repository =
 *     CacheAside.builder(UserRepository.class, jdbcRepository).cache(usersCache).build();
 * }</pre>
 *
 * <p>The result is a {@link java.lang.reflect.Proxy} of the interface. The interface is read once,
 * at {@link Builder#build()}: every annotation is checked then and each method is turned into a
 * handler that later calls only run. Methods without an annotation, default methods and {@code
 * equals}/{@code hashCode}/{@code toString} are passed to the target unchanged. A default method
 * runs the target's implementation, so the calls it makes to other methods of the interface reach
 * the target directly, not through the cache.
 *
 * <p><b>Thread safety.</b> The proxy adds no state of its own beyond the caches: it is thread-safe
 * if the target is.
 *
 * <p><b>Failures.</b> An exception from the target reaches the caller as the target threw it, never
 * wrapped in a reflection exception; a checked exception is rethrown as itself when the method
 * declares it (otherwise, if it reached the method through a key another method shares, in a {@link
 * java.util.concurrent.CompletionException}). A call whose key cannot be made (an argument of an
 * unsupported type, see {@link CacheKeys}) fails with an {@link IllegalArgumentException} before
 * the target is called. Failures of lower cache tiers never reach the caller (see {@link
 * MultiLevelCache}).
 *
 * <p><b>Caches.</b> Keys are strings; values are whatever the methods return, so a cache with a
 * remote tier needs a codec for those types. Methods that share a cache and a key template must
 * return the same type.
 */
public final class CacheAside {

  private CacheAside() {}

  /**
   * Starts a builder for a proxy of {@code type} that delegates to {@code target}.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code type} is not an interface, is sealed, or {@code
   *     target} does not implement it
   */
  public static <T> Builder<T> builder(Class<T> type, T target) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(target, "target");
    if (!type.isInterface() || type.isAnnotation()) {
      throw new IllegalArgumentException(
          "type must be an interface, but was "
              + (Modifier.isAbstract(type.getModifiers()) ? "the abstract class " : "the class ")
              + type.getName()
              + "; extract an interface and wrap that");
    }
    if (type.isSealed()) {
      throw new IllegalArgumentException(
          "type must not be sealed, but "
              + type.getName()
              + " is; a proxy cannot implement a sealed interface");
    }
    if (!type.isInstance(target)) {
      throw new IllegalArgumentException(
          "target must implement " + type.getName() + ", but was a " + target.getClass().getName());
    }
    return new Builder<>(type, target);
  }

  /**
   * Builds a cache-aside proxy. Not thread-safe: configure it on one thread. {@link #build()} does
   * not change the builder and may be called again.
   *
   * @param <T> the interface type
   */
  public static final class Builder<T> {

    private final Class<T> type;
    private final T target;
    private final Map<String, MultiLevelCache<String, ?>> caches = new LinkedHashMap<>();

    private Builder(Class<T> type, T target) {
      this.type = type;
      this.target = target;
    }

    /**
     * Registers {@code cache} under its {@link MultiLevelCache#name()}, the name annotations refer
     * to. The proxy never closes it.
     *
     * @throws NullPointerException if {@code cache} is null
     * @throws IllegalStateException if a cache with that name was already registered
     */
    public Builder<T> cache(MultiLevelCache<String, ?> cache) {
      Objects.requireNonNull(cache, "cache");
      String name = cache.name();
      if (caches.containsKey(name)) {
        throw new IllegalStateException(
            "a cache named '"
                + name
                + "' was already registered; register each cache once, and give different"
                + " caches different names");
      }
      caches.put(name, cache);
      return this;
    }

    /**
     * Checks every annotated method of the interface and returns the proxy.
     *
     * @throws IllegalStateException if an annotation is wrong: it names a cache that was not
     *     registered, sits on a method it cannot apply to, has a TTL that is not a positive
     *     ISO-8601 duration or a key template that does not fit the method's parameters, or the key
     *     needs a parameter whose type has no canonical encoding. The message lists every problem,
     *     each with the method ({@code UserRepository.find(String)}) and what to change.
     */
    public T build() {
      return AsideProxyFactory.create(type, target, Map.copyOf(caches));
    }
  }
}
