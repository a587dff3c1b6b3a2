package io.strata.cache.aside.internal;

import java.lang.reflect.Array;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.MonthDay;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.Period;
import java.time.Year;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The canonical key encoding behind {@link io.strata.cache.aside.CacheKeys}; the rules are
 * documented there. Every value's encoding is self-delimiting and contains no ':' outside quotes,
 * so parts joined with ':' can be split again: the encoding is injective.
 *
 * <p>Stateless and thread-safe.
 */
public final class KeyEncoder {

  /** Deeper nesting than this is taken for a cycle. */
  static final int MAX_DEPTH = 64;

  /** What a caller is told it may use, in error messages. */
  public static final String SUPPORTED =
      "String, a boxed primitive, BigInteger, BigDecimal, an enum, a record, UUID, Class, a"
          + " java.time value, Optional, a List, Set, Map or array of those, or null";

  private static final Map<Class<?>, String> TEXT_TAGS =
      Map.ofEntries(
          Map.entry(UUID.class, "UUID"),
          Map.entry(Instant.class, "Instant"),
          Map.entry(LocalDate.class, "LocalDate"),
          Map.entry(LocalTime.class, "LocalTime"),
          Map.entry(LocalDateTime.class, "LocalDateTime"),
          Map.entry(OffsetTime.class, "OffsetTime"),
          Map.entry(OffsetDateTime.class, "OffsetDateTime"),
          Map.entry(ZonedDateTime.class, "ZonedDateTime"),
          Map.entry(Duration.class, "Duration"),
          Map.entry(Period.class, "Period"),
          Map.entry(Year.class, "Year"),
          Map.entry(YearMonth.class, "YearMonth"),
          Map.entry(MonthDay.class, "MonthDay"),
          Map.entry(ZoneOffset.class, "ZoneOffset"));

  private static final ClassValue<Object> RECORD_ACCESSORS =
      new ClassValue<>() {
        @Override
        protected Object computeValue(Class<?> type) {
          RecordComponent[] components = type.getRecordComponents();
          Method[] accessors = new Method[components.length];
          for (int i = 0; i < components.length; i++) {
            Method accessor = components[i].getAccessor();
            if (!accessor.trySetAccessible() && !isPublicApi(type)) {
              return "its components cannot be read reflectively; make the record public or open"
                  + " its package to io.strata.cache.core";
            }
            accessors[i] = accessor;
          }
          return accessors;
        }
      };

  private KeyEncoder() {}

  /**
   * Encodes {@code parts} joined with ':'.
   *
   * @throws IllegalArgumentException if a part holds an unsupported value; the message names the
   *     part, where in it the value sits, and its class
   */
  public static String encodeParts(@Nullable Object[] parts) {
    StringBuilder sb = new StringBuilder(16 * parts.length + 8);
    for (int i = 0; i < parts.length; i++) {
      if (i > 0) {
        sb.append(':');
      }
      try {
        encode(sb, parts[i], 0);
      } catch (KeyEncodingException e) {
        throw new IllegalArgumentException(
            "cannot make a cache key: "
                + e.describe("part " + i)
                + "; pass "
                + SUPPORTED
                + " (convert the value to one, e.g. its id)",
            e);
      }
    }
    return sb.toString();
  }

  /**
   * Appends the encoding of {@code value} to {@code sb}.
   *
   * @throws KeyEncodingException if {@code value} is or holds an unsupported value
   */
  public static void encode(StringBuilder sb, @Nullable Object value) {
    encode(sb, value, 0);
  }

  private static void encode(StringBuilder sb, @Nullable Object value, int depth) {
    if (value == null) {
      sb.append("null");
      return;
    }
    if (depth > MAX_DEPTH) {
      throw new KeyEncodingException(
          value.getClass(), "it is nested more than " + MAX_DEPTH + " levels deep (a cycle?)");
    }
    if (value instanceof String s) {
      quote(sb, s, '"');
    } else if (value instanceof Integer i) {
      sb.append(i.intValue());
    } else if (value instanceof Long l) {
      sb.append(l.longValue()).append('L');
    } else if (value instanceof Boolean b) {
      sb.append(b.booleanValue());
    } else if (value instanceof Enum<?> e) {
      name(sb, e.getDeclaringClass().getName()).append('#');
      name(sb, e.name());
    } else if (value instanceof Character c) {
      quote(sb, String.valueOf(c.charValue()), '\'');
    } else if (value instanceof Short s) {
      sb.append(s.shortValue()).append('S');
    } else if (value instanceof Byte b) {
      sb.append(b.byteValue()).append('B');
    } else if (value instanceof Double d) {
      // Hex is exact and specified to the bit; Double.toString changed output in JDK 19.
      sb.append(Double.toHexString(d)).append('D');
    } else if (value instanceof Float f) {
      sb.append(Float.toHexString(f)).append('F');
    } else if (value instanceof BigInteger n) {
      sb.append(n).append('N');
    } else if (value instanceof BigDecimal n) {
      // toString is one-to-one with BigDecimal.equals: scale is kept (1.0 != 1.00).
      sb.append(n).append('M');
    } else if (value instanceof Optional<?> o) {
      sb.append("?(");
      if (o.isPresent()) {
        try {
          encode(sb, o.get(), depth + 1);
        } catch (KeyEncodingException e) {
          throw e.within("value of an Optional");
        }
      }
      sb.append(')');
    } else if (value instanceof Class<?> c) {
      name(sb, "Class");
      quote(sb, c.getName(), '"');
    } else if (value instanceof List<?> list) {
      list(sb, list, depth, "List");
    } else if (value instanceof Set<?> set) {
      set(sb, set, depth);
    } else if (value instanceof Map<?, ?> map) {
      map(sb, map, depth);
    } else {
      Class<?> type = value.getClass();
      String tag = TEXT_TAGS.get(type);
      if (tag == null && value instanceof ZoneId) {
        tag = "ZoneId";
      }
      if (tag != null) {
        sb.append(tag);
        quote(sb, value.toString(), '"');
      } else if (type.isRecord()) {
        record(sb, value, type, depth);
      } else if (type.isArray()) {
        array(sb, value, depth);
      } else {
        throw new KeyEncodingException(type, "it is not a supported type");
      }
    }
  }

  private static void list(StringBuilder sb, List<?> list, int depth, String what) {
    sb.append('[');
    int i = 0;
    for (Object element : list) {
      if (i > 0) {
        sb.append(',');
      }
      try {
        encode(sb, element, depth + 1);
      } catch (KeyEncodingException e) {
        throw e.within("element " + i + " of a " + what);
      }
      i++;
    }
    sb.append(']');
  }

  private static void array(StringBuilder sb, Object array, int depth) {
    int length = Array.getLength(array);
    List<@Nullable Object> elements = new ArrayList<>(length);
    for (int i = 0; i < length; i++) {
      elements.add(Array.get(array, i));
    }
    list(sb, elements, depth, "array");
  }

  private static void set(StringBuilder sb, Set<?> set, int depth) {
    List<String> encoded = new ArrayList<>(set.size());
    for (Object element : set) {
      StringBuilder one = new StringBuilder();
      try {
        encode(one, element, depth + 1);
      } catch (KeyEncodingException e) {
        throw e.within("an element of a Set");
      }
      encoded.add(one.toString());
    }
    encoded.sort(null);
    sb.append('{');
    for (int i = 0; i < encoded.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(encoded.get(i));
    }
    sb.append('}');
  }

  private static void map(StringBuilder sb, Map<?, ?> map, int depth) {
    if (map.isEmpty()) {
      sb.append("{=}");
      return;
    }
    List<String[]> entries = new ArrayList<>(map.size());
    for (Map.Entry<?, ?> entry : map.entrySet()) {
      StringBuilder key = new StringBuilder();
      try {
        encode(key, entry.getKey(), depth + 1);
      } catch (KeyEncodingException e) {
        throw e.within("a key of a Map");
      }
      StringBuilder value = new StringBuilder();
      try {
        encode(value, entry.getValue(), depth + 1);
      } catch (KeyEncodingException e) {
        throw e.within("a value of a Map");
      }
      entries.add(new String[] {key.toString(), value.toString()});
    }
    entries.sort(
        (a, b) -> {
          int byKey = a[0].compareTo(b[0]);
          return byKey != 0 ? byKey : a[1].compareTo(b[1]);
        });
    sb.append('{');
    for (int i = 0; i < entries.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(entries.get(i)[0]).append('=').append(entries.get(i)[1]);
    }
    sb.append('}');
  }

  private static void record(StringBuilder sb, Object record, Class<?> type, int depth) {
    Object accessors = RECORD_ACCESSORS.get(type);
    if (accessors instanceof String reason) {
      throw new KeyEncodingException(type, reason);
    }
    name(sb, type.getName()).append('(');
    Method[] methods = (Method[]) accessors;
    for (int i = 0; i < methods.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      Object component;
      try {
        component = methods[i].invoke(record);
      } catch (InvocationTargetException e) {
        Throwable cause = e.getCause();
        if (cause instanceof RuntimeException runtime) {
          throw runtime;
        }
        if (cause instanceof Error error) {
          throw error;
        }
        throw new IllegalStateException(cause);
      } catch (IllegalAccessException e) {
        throw new KeyEncodingException(
            type,
            "its components cannot be read reflectively; make the record public or open its"
                + " package to io.strata.cache.core");
      }
      try {
        encode(sb, component, depth + 1);
      } catch (KeyEncodingException e) {
        throw e.within("component " + methods[i].getName() + " of record " + type.getName());
      }
    }
    sb.append(')');
  }

  /**
   * Appends {@code text} as it is, with {@code \} and {@code :} escaped by {@code \}, and null as
   * {@code \N}: what a placeholder of a {@code String} parameter expands to. The first {@code :}
   * without a {@code \} before it ends the text, so texts joined by {@code :} can be split again,
   * and no text appends {@code \N} (the text {@code \N} appends {@code \\N}). An unpaired
   * surrogate becomes {@code \}{@code uXXXX}, so that distinct texts keep distinct UTF-8 bytes.
   */
  public static void text(StringBuilder sb, @Nullable String text) {
    if (text == null) {
      sb.append("\\N");
      return;
    }
    for (int i = 0, n = text.length(); i < n; i++) {
      char c = text.charAt(i);
      if (c == '\\' || c == ':') {
        sb.append('\\').append(c);
      } else if (Character.isHighSurrogate(c)
          && i + 1 < n
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        sb.append(c).append(text.charAt(++i));
      } else if (Character.isSurrogate(c)) {
        // Unpaired, it would become '?' in UTF-8 and meet the key of another text.
        unicodeEscape(sb, c);
      } else {
        sb.append(c);
      }
    }
  }

  /**
   * Quotes {@code s}: the quote character and '\' are escaped with '\', and control characters and
   * unpaired surrogates become {@code \\uXXXX}, so that the key is valid Unicode and its UTF-8
   * bytes (as a remote tier stores them) are as distinct as the strings were.
   */
  private static void quote(StringBuilder sb, String s, char quote) {
    sb.append(quote);
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (c == quote || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7f) {
        unicodeEscape(sb, c);
      } else if (Character.isHighSurrogate(c)
          && i + 1 < n
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        sb.append(c).append(s.charAt(++i));
      } else if (Character.isSurrogate(c)) {
        unicodeEscape(sb, c);
      } else {
        sb.append(c);
      }
    }
    sb.append(quote);
  }

  private static void unicodeEscape(StringBuilder sb, char c) {
    sb.append("\\u");
    String hex = Integer.toHexString(c);
    for (int pad = hex.length(); pad < 4; pad++) {
      sb.append('0');
    }
    sb.append(hex);
  }

  /**
   * Appends a class or constant name. Java names never contain the encoding's structural
   * characters; names from other JVM languages might, so those are escaped with '\'.
   */
  private static StringBuilder name(StringBuilder sb, String name) {
    for (int i = 0, n = name.length(); i < n; i++) {
      char c = name.charAt(i);
      if ("\\\"',:#=?()[]{}".indexOf(c) >= 0 || c < 0x20) {
        sb.append('\\');
      }
      sb.append(c);
    }
    return sb;
  }

  /**
   * Returns whether no value of a parameter declared as {@code type} could ever be encoded: a
   * concrete class outside the supported set that is neither a collection nor a supertype of a
   * supported type. Interfaces and {@code Object} pass, and are checked per call.
   */
  public static boolean isClearlyUnsupported(Class<?> type) {
    if (type.isPrimitive() || type.isInterface()) {
      return false;
    }
    if (type.isArray()) {
      return isClearlyUnsupported(type.getComponentType());
    }
    if (type == Object.class
        || type == Number.class
        || type == Enum.class
        || type == Record.class
        || type.isEnum()
        || Enum.class.isAssignableFrom(type)
        || type.isRecord()) {
      return false;
    }
    if (type == String.class
        || type == Integer.class
        || type == Long.class
        || type == Boolean.class
        || type == Character.class
        || type == Short.class
        || type == Byte.class
        || type == Double.class
        || type == Float.class
        || BigInteger.class.isAssignableFrom(type)
        || BigDecimal.class.isAssignableFrom(type)
        || type == Optional.class
        || type == Class.class
        || TEXT_TAGS.containsKey(type)
        || ZoneId.class.isAssignableFrom(type)) {
      return false;
    }
    return !(List.class.isAssignableFrom(type)
        || Set.class.isAssignableFrom(type)
        || Map.class.isAssignableFrom(type));
  }

  private static boolean isPublicApi(Class<?> type) {
    return java.lang.reflect.Modifier.isPublic(type.getModifiers())
        && type.getModule().isExported(type.getPackageName());
  }
}
