package io.strata.cache.http;

import java.util.Objects;

/**
 * Maps a cache key to the part of a request it may decide: path segments below the base URI and
 * query parameters. It cannot name a scheme, host, port or a path outside the base: {@link
 * HttpTarget} only holds values, and {@link HttpLoader} percent-encodes each one.
 *
 * <pre>{@code
 * KeyTemplate<TileKey> tiles = key -> HttpTarget.of(
 *     String.valueOf(key.z()), String.valueOf(key.x()), key.y() + ".png");
 * }</pre>
 *
 * <p>Called from many threads at once; implementations must be thread-safe and must not return
 * null. An exception thrown here (an {@link IllegalArgumentException} from {@link HttpTarget} for
 * a hostile key) fails the load before any I/O.
 *
 * @param <K> the type of key
 */
@FunctionalInterface
public interface KeyTemplate<K> {

  /** Returns the request target for {@code key}. */
  HttpTarget target(K key);

  /** Returns the template that uses the whole key as one path segment: {@code <base>/<key>}. */
  static KeyTemplate<String> pathSegment() {
    return HttpTarget::of;
  }

  /**
   * Returns the template that sends the key as the query parameter {@code name}: {@code
   * <base>?<name>=<key>}.
   *
   * @throws IllegalArgumentException if {@code name} is empty or holds control characters
   */
  static KeyTemplate<String> queryParameter(String name) {
    Objects.requireNonNull(name, "name");
    HttpTarget.root().query(name, "");
    return key -> HttpTarget.root().query(name, key);
  }
}
