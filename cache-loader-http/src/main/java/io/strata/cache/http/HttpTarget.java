package io.strata.cache.http;

import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The part of a request a key decides: path segments appended to the base URI's path, and query
 * parameters appended to its query. Every segment, name and value is a plain value that {@link
 * HttpLoader} percent-encodes whole ({@code /}, {@code ?}, {@code #}, {@code %}, {@code @}, {@code
 * :} included), so no key can change the scheme, host or port, add a path level, or leave the base
 * path.
 *
 * <p>Rejected at once, with an {@link IllegalArgumentException} that names the problem: control
 * characters (CR, LF, NUL, DEL and the C1 range), unpaired surrogates, and the segments {@code
 * ""}, {@code "."} and {@code ".."}, which servers read as path structure however they are
 * encoded. The length limit ({@link HttpLoaderOptions#maxEncodedKeyLength()}) is checked by the
 * loader, before any I/O.
 *
 * <p>Immutable and thread-safe; each method returns a new target.
 */
public final class HttpTarget {

  private static final HttpTarget ROOT = new HttpTarget(List.of(), List.of());

  private final List<String> segments;
  private final List<Map.Entry<String, String>> query;

  private HttpTarget(List<String> segments, List<Map.Entry<String, String>> query) {
    this.segments = segments;
    this.query = query;
  }

  /** Returns the target with no segments and no query: the base URI itself. */
  public static HttpTarget root() {
    return ROOT;
  }

  /**
   * Returns the target made of {@code segments}, each one path level below the base.
   *
   * @throws IllegalArgumentException if a segment is empty, {@code "."}, {@code ".."}, or holds a
   *     control character or an unpaired surrogate
   */
  public static HttpTarget of(String... segments) {
    return ROOT.path(segments);
  }

  /**
   * Returns this target with {@code segments} appended.
   *
   * @throws IllegalArgumentException as {@link #of}
   */
  public HttpTarget path(String... segments) {
    Objects.requireNonNull(segments, "segments");
    List<String> all = new ArrayList<>(this.segments.size() + segments.length);
    all.addAll(this.segments);
    for (String segment : segments) {
      Objects.requireNonNull(segment, "segment");
      checkText(segment, "path segment");
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException(
            "a path segment must not be empty, '.' or '..', but was '" + segment + "'");
      }
      all.add(segment);
    }
    return new HttpTarget(List.copyOf(all), query);
  }

  /**
   * Returns this target with the query parameter {@code name=value} appended (a name may repeat).
   *
   * @throws IllegalArgumentException if {@code name} is empty, or either holds a control character
   *     or an unpaired surrogate
   */
  public HttpTarget query(String name, String value) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("a query parameter name must not be empty");
    }
    checkText(name, "query parameter name");
    checkText(value, "query parameter value");
    List<Map.Entry<String, String>> all = new ArrayList<>(query.size() + 1);
    all.addAll(query);
    all.add(new SimpleImmutableEntry<>(name, value));
    return new HttpTarget(segments, List.copyOf(all));
  }

  /** Returns the path segments, unencoded, in order. */
  public List<String> pathSegments() {
    return segments;
  }

  /** Returns the query parameters, unencoded, in order. */
  public List<Map.Entry<String, String>> queryParameters() {
    return query;
  }

  private static void checkText(String text, String what) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
        throw new IllegalArgumentException(
            "a " + what + " must not contain control characters (CR, LF, NUL...), but had U+"
                + String.format("%04X", (int) c) + " at index " + i);
      }
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException(
            "a " + what + " must be valid UTF-16, but had an unpaired surrogate at index " + i);
      }
    }
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof HttpTarget other && segments.equals(other.segments) && query.equals(other.query);
  }

  @Override
  public int hashCode() {
    return segments.hashCode() * 31 + query.hashCode();
  }

  @Override
  public String toString() {
    return "HttpTarget{segments=" + segments.size() + ", query=" + query.size() + '}';
  }
}
