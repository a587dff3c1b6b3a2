package io.strata.cache.redis;

import java.util.Objects;
import java.util.function.Function;

/**
 * Turns a cache key into the text that names it in Redis, and back. The text must be the same in
 * every JVM that shares the Redis (never {@code Object.hashCode()} or an identity {@code
 * toString()}), and distinct keys must map to distinct texts. Implementations are thread-safe.
 *
 * @param <K> the type of key
 */
public interface KeyMapper<K> {

  /** Returns the text for {@code key}; never null. */
  String toText(K key);

  /**
   * Returns the key named by {@code text}, as written by {@link #toText}. Used to apply
   * invalidations that arrive from Redis.
   *
   * @throws IllegalArgumentException if {@code text} names no key of this mapper
   */
  K fromText(String text);

  /** Returns the mapper of string keys: the key is its own text. */
  static KeyMapper<String> strings() {
    return of(Function.identity(), Function.identity());
  }

  /** Returns a mapper from two functions, such as {@code of(String::valueOf, Long::valueOf)}. */
  static <K> KeyMapper<K> of(Function<? super K, String> toText, Function<String, K> fromText) {
    Objects.requireNonNull(toText, "toText");
    Objects.requireNonNull(fromText, "fromText");
    return new KeyMapper<>() {
      @Override
      public String toText(K key) {
        return Objects.requireNonNull(toText.apply(key), "the key mapper returned null");
      }

      @Override
      public K fromText(String text) {
        return fromText.apply(text);
      }
    };
  }
}
