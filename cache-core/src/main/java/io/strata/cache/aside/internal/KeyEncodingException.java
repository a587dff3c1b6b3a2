package io.strata.cache.aside.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Thrown by {@link KeyEncoder} for a value it cannot encode. Carries the value's class and where in
 * the argument it sits, so that the caller can name the method and parameter.
 */
public final class KeyEncodingException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final transient Class<?> valueClass;
  private final String reason;
  private final List<String> path = new ArrayList<>();

  KeyEncodingException(Class<?> valueClass, String reason) {
    super("cannot make a cache key from " + valueClass.getName() + ": " + reason);
    this.valueClass = valueClass;
    this.reason = reason;
  }

  /** Records that the failing value sits inside {@code where}; returns this. */
  KeyEncodingException within(String where) {
    path.add(where);
    return this;
  }

  /** Returns the class of the value that could not be encoded. */
  public Class<?> valueClass() {
    return valueClass;
  }

  /**
   * Describes the failure from the outside in, e.g. {@code "parameter 0 (query), element 2 of a
   * List, holds a com.acme.Session; it is not a supported type"}.
   *
   * @param outermost what the caller passed, e.g. {@code "parameter 0 (query)"}
   */
  public String describe(String outermost) {
    StringBuilder sb = new StringBuilder(outermost);
    for (int i = path.size() - 1; i >= 0; i--) {
      sb.append(", ").append(path.get(i));
    }
    return sb.append(", holds a ")
        .append(valueClass.getName())
        .append("; ")
        .append(reason)
        .toString();
  }
}
