package io.strata.cache.aside;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Serves an interface method through a cache: a proxy made by {@link CacheAside} returns the cached
 * value for the call's key, and calls the target only on a miss (with concurrent misses on one key
 * sharing that call).
 *
 * <pre>{@code
 * interface UserRepository {
 *   @Cached(cache = "users", ttl = "PT10M", key = "{0}")
 *   User find(String id);
 * }
 * }</pre>
 *
 * <p><b>Results.</b> A null result means "not found": it is returned, and cached only as a negative
 * entry if the cache has a {@code negativeTtl}. A method returning {@link java.util.Optional} is
 * cached by its content: an empty {@code Optional} is "not found" like null, and the proxy wraps
 * the cached value again. Primitive results are cached boxed. Methods returning {@code void}, a
 * future or a stream are rejected when the proxy is built.
 *
 * <p><b>Failures.</b> An exception thrown by the target reaches the caller as thrown (unwrapped,
 * checked ones included when the method declares them) and nothing is cached.
 *
 * <p>Place it on a method of the interface given to {@link CacheAside#builder}, not on the
 * implementation.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Cached {

  /** The name of the cache ({@code MultiLevelCache.name()}), registered with the builder. */
  String cache();

  /**
   * The time to live of values this method loads, as an ISO-8601 duration ({@code "PT10M"}, {@code
   * "PT30S"}, {@code "P1D"}); it replaces the cache's {@code TtlPolicy} for them. Empty (the
   * default) leaves the TTL to the cache. Must be positive.
   */
  String ttl() default "";

  /**
   * The key template; empty (the default) for the default key.
   *
   * <p>A template is literal text with placeholders {@code {0}}, {@code {1}}, ... each replaced by
   * the argument at that position (from 0). An argument of a parameter declared {@code String}
   * appears as it is, {@code key = "user:{0}"} giving {@code user:42} for {@code find("42")}, with
   * {@code \} and {@code :} escaped by {@code \} ({@code find("a:b")} gives {@code user:a\:b}) and
   * null as {@code \N}: {@link CacheKeys#text} makes the same text by hand. Any other argument
   * appears in its canonical encoding ({@link CacheKeys#of}): {@code 42} for an {@code int}, {@code
   * 42L} for a {@code long}, {@code ["a","b"]} for a {@code List<String>}. The key is the expansion
   * alone, without the method's identity, so methods (and {@link CacheEvict}) that use the same
   * template over the same cache share entries.
   *
   * <p>Two placeholders must be separated by text holding a {@code ':'}, and a template cannot hold
   * a {@code \}: then different arguments never make the same key. Braces are only for
   * placeholders. Parameters left out of the template are ignored, which is how a method takes an
   * argument that has no canonical encoding.
   *
   * <p>The default key is the method's identity, {@code SimpleInterfaceName.method(ParamType,...)}
   * with simple type names (the interface is the one given to the builder, also for inherited
   * methods), then {@code ':'} and each argument as a placeholder expands it, e.g. {@code
   * UserRepository.find(String):42}. It is unique to the method, so no other method shares its
   * entries.
   */
  String key() default "";
}
