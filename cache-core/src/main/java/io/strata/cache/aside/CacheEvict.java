package io.strata.cache.aside;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Evicts from a cache after an interface method runs: a proxy made by {@link CacheAside} calls the
 * target, then invalidates the call's key (or the whole cache with {@code all = true}) in every
 * tier. If the target throws, nothing is evicted and the exception reaches the caller as thrown.
 *
 * <pre>{@code
 * interface UserRepository {
 *   @Cached(cache = "users", key = "{0}")
 *   User find(String id);
 *
 *   @CacheEvict(cache = "users", key = "{0}")
 *   void update(String id, User user);
 * }
 * }</pre>
 *
 * <p>The key is computed before the target is called, so a target that changes its arguments does
 * not change what is evicted, and an argument with no canonical encoding fails the call before the
 * target runs. Either {@code key} or {@code all = true} is required: a default key would name this
 * method and match no {@link Cached} entry.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface CacheEvict {

  /** The name of the cache ({@code MultiLevelCache.name()}), registered with the builder. */
  String cache();

  /**
   * The key template of the entry to evict, written as for {@link Cached#key()}; it must expand to
   * the key the reading method uses. Empty only with {@code all = true}.
   */
  String key() default "";

  /** Whether to evict every entry of the cache instead of one key. */
  boolean all() default false;
}
