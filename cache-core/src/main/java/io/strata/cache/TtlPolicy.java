package io.strata.cache;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;

/**
 * Decides how long a value stays fresh when it is loaded or put without an explicit TTL.
 *
 * <p>The answer is the entry's lifetime in every tier; a tier may keep it shorter (the local tier
 * is capped by {@link MultiLevelCacheBuilder#localTtl}) but never longer. A zero answer means "do
 * not cache this value": it is returned to the caller and stored nowhere.
 *
 * <p>Called from many threads at once; implementations must be thread-safe and fast, and must not
 * return null or a negative duration.
 *
 * @param <K> the type of key
 * @param <V> the type of value
 */
@FunctionalInterface
public interface TtlPolicy<K, V> {

  /**
   * Returns how long {@code value} stays fresh.
   *
   * @param hint the loader's own hint (an HTTP {@code max-age}), or null when it gave none or the
   *     value was put directly
   */
  Duration ttl(K key, V value, @Nullable Duration hint);

  /**
   * Returns a policy that gives every value the same {@code ttl}, ignoring hints.
   *
   * @throws IllegalArgumentException if {@code ttl} is not positive
   */
  static <K, V> TtlPolicy<K, V> fixed(Duration ttl) {
    Duration checked = positive(ttl, "ttl");
    return (key, value, hint) -> checked;
  }

  /** Returns a policy that asks {@code function} for each key and value, ignoring hints. */
  static <K, V> TtlPolicy<K, V> of(BiFunction<? super K, ? super V, Duration> function) {
    Objects.requireNonNull(function, "function");
    return (key, value, hint) -> function.apply(key, value);
  }

  /**
   * Returns a policy that follows the loader's hint, clamped to [{@code floor}, {@code ceiling}],
   * and uses {@code fallback} when there is no hint. A hint of zero ("do not cache", as from
   * HTTP {@code no-store}) stays zero: the floor never makes an uncacheable value cacheable.
   *
   * @throws IllegalArgumentException if a duration is negative, {@code fallback} is not positive,
   *     or {@code floor > ceiling}
   */
  static <K, V> TtlPolicy<K, V> fromHint(Duration fallback, Duration floor, Duration ceiling) {
    positive(fallback, "fallback");
    Objects.requireNonNull(floor, "floor");
    Objects.requireNonNull(ceiling, "ceiling");
    if (floor.isNegative() || floor.compareTo(ceiling) > 0) {
      throw new IllegalArgumentException(
          "floor must be between 0 and ceiling, but floor was " + floor + " and ceiling " + ceiling);
    }
    return (key, value, hint) -> {
      if (hint == null) {
        return fallback;
      }
      if (hint.isZero() || hint.isNegative()) {
        return Duration.ZERO;
      }
      return hint.compareTo(floor) < 0 ? floor : hint.compareTo(ceiling) > 0 ? ceiling : hint;
    };
  }

  /**
   * Returns this policy with random jitter: each TTL is shortened by a random amount of up to
   * {@code fraction} of itself, so that keys written together do not expire together. Jitter never
   * lengthens a TTL.
   *
   * @throws IllegalArgumentException if {@code fraction} is not in (0, 1)
   */
  default TtlPolicy<K, V> withJitter(double fraction) {
    if (!(fraction > 0 && fraction < 1)) {
      throw new IllegalArgumentException("jitter fraction must be in (0, 1), but was " + fraction);
    }
    TtlPolicy<K, V> base = this;
    return (key, value, hint) -> {
      Duration ttl = base.ttl(key, value, hint);
      long nanos = io.strata.cache.internal.Durations.nanos(ttl);
      if (nanos <= 0) {
        return ttl;
      }
      long cut = (long) (nanos * fraction * ThreadLocalRandom.current().nextDouble());
      return Duration.ofNanos(Math.max(1, nanos - cut));
    };
  }

  private static Duration positive(Duration duration, String name) {
    Objects.requireNonNull(duration, name);
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, but was " + duration);
    }
    return duration;
  }
}
