package io.strata.cache.spring;

import io.strata.cache.aside.CacheKeys;
import io.strata.cache.spring.internal.SimpleKeys;
import org.springframework.cache.interceptor.SimpleKey;

/**
 * Turns a Spring cache key (a method argument, a {@link SimpleKey} of several, or what a {@code
 * key} expression or {@code KeyGenerator} returns) into the string a {@link StrataCache} stores it
 * under. The string must be the same in every JVM that shares a lower tier, and distinct keys must
 * give distinct strings; never base it on {@code Object.hashCode()} or an identity {@code
 * toString()}.
 *
 * <p>Called from many threads at once; implementations must be thread-safe.
 */
@FunctionalInterface
public interface CacheKeyConverter {

  /**
   * Returns the text of {@code key}.
   *
   * @throws IllegalArgumentException if {@code key} has no deterministic text
   */
  String toText(Object key);

  /**
   * Returns the default converter: {@link CacheKeys#of} of the key, and of a {@link SimpleKey}'s
   * elements (so {@code find(String id, int page)} gives {@code "a1":2}). Strings, numbers, enums,
   * UUIDs, {@code java.time} values, records, lists, sets, maps and arrays of them are accepted;
   * any other type is rejected with an {@link IllegalArgumentException} naming it: use a {@code
   * key} expression that picks its id, or your own converter.
   */
  static CacheKeyConverter canonical() {
    return key -> key instanceof SimpleKey simple ? SimpleKeys.text(simple) : CacheKeys.of(key);
  }
}
