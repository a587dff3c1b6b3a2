package io.strata.cache.aside;

import io.strata.cache.aside.internal.KeyEncoder;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Canonical, deterministic cache keys: the same values give the same key in every JVM, run and
 * version (Java 17 on), and values that are not equal give different keys. {@link Cached} and
 * {@link CacheEvict} make their keys with it (with {@link #text} for {@code String} parameters);
 * call the same methods to make the same keys by hand.
 *
 * <p>No key ever depends on {@code hashCode}, identity or iteration order of a hash-based
 * collection. Each value is encoded by its runtime type:
 *
 * <table>
 *   <caption>Encodings</caption>
 *   <tr><th>Value</th><th>Encoding</th><th>Example</th></tr>
 *   <tr><td>null</td><td>{@code null}</td><td>{@code null}</td></tr>
 *   <tr><td>String</td><td>in double quotes; {@code "} and {@code \} escaped with {@code \};
 *       control characters and unpaired surrogates as {@code \}{@code uXXXX}</td>
 *       <td>{@code "a:b"}</td></tr>
 *   <tr><td>Character</td><td>in single quotes, escaped likewise</td><td>{@code 'x'}</td></tr>
 *   <tr><td>Boolean</td><td>{@code true} / {@code false}</td><td>{@code true}</td></tr>
 *   <tr><td>Integer</td><td>decimal</td><td>{@code 42}</td></tr>
 *   <tr><td>Long, Short, Byte, BigInteger</td><td>decimal with a suffix {@code L}, {@code S},
 *       {@code B}, {@code N}</td><td>{@code 42L}</td></tr>
 *   <tr><td>Double, Float</td><td>{@link Double#toHexString} (exact, and stable across JDK
 *       versions, unlike {@code Double.toString}) with suffix {@code D}, {@code F}</td>
 *       <td>{@code 0x1.8p1D} (3.0)</td></tr>
 *   <tr><td>BigDecimal</td><td>{@link java.math.BigDecimal#toString()} with suffix {@code M};
 *       the scale counts, as in {@code equals}</td><td>{@code 1.50M}</td></tr>
 *   <tr><td>enum</td><td>declaring class's binary name, {@code #}, constant name</td>
 *       <td>{@code com.acme.Color#RED}</td></tr>
 *   <tr><td>UUID, Class, java.time ({@code Instant}, {@code LocalDate}, {@code LocalTime},
 *       {@code LocalDateTime}, {@code OffsetTime}, {@code OffsetDateTime}, {@code ZonedDateTime},
 *       {@code Duration}, {@code Period}, {@code Year}, {@code YearMonth}, {@code MonthDay},
 *       {@code ZoneOffset}, {@code ZoneId})</td><td>type tag, then {@code toString()} (for Class,
 *       {@code getName()}) quoted</td><td>{@code LocalDate"2024-05-01"}</td></tr>
 *   <tr><td>record</td><td>binary class name, then its components in order, in parentheses</td>
 *       <td>{@code com.acme.UserId("u1",7)}</td></tr>
 *   <tr><td>Optional</td><td>{@code ?(value)}, or {@code ?()} when empty</td>
 *       <td>{@code ?("x")}</td></tr>
 *   <tr><td>List, array</td><td>elements in order, in brackets</td><td>{@code [1,2]}</td></tr>
 *   <tr><td>Set</td><td>elements sorted by their encoding, in braces</td>
 *       <td>{@code {"a","b"}}</td></tr>
 *   <tr><td>Map</td><td>{@code key=value} sorted by encoded key, in braces; empty: {@code {=}}
 *       </td><td>{@code {"a"=1}}</td></tr>
 * </table>
 *
 * <p>Consequences worth knowing: numbers keep their type ({@code 1}, {@code 1L} and {@code 1.0} are
 * different keys, as they are not {@code equals}); {@code BigDecimal} 1.0 and 1.00 are different
 * keys (normalize with {@code stripTrailingZeros()} first if they should be one); an array and a
 * list with the same elements give the same key, while a set and a list do not; two sets or maps
 * that are {@code equals} give the same key whatever their class or order. Class and enum names are
 * part of the key, so renaming or moving them changes keys (a cold cache, never a wrong hit). Any
 * other type (mutable ones such as {@code Date} or {@code StringBuilder}, entities) is rejected
 * with an {@link IllegalArgumentException}: pass its id, or a record of what identifies it.
 *
 * <p>Thread-safe; stateless.
 */
public final class CacheKeys {

  private CacheKeys() {}

  /**
   * Returns the canonical key of {@code parts}: the encoding of each, joined with {@code ':'}. No
   * encoding contains {@code ':'} outside quotes, so different parts never make the same key:
   * {@code of("a:b", "c")} and {@code of("a", "b:c")} differ. {@code of(42)} is the key that
   * {@code key = "{0}"} makes for an {@code int} argument 42 (for a {@code String} parameter, see
   * {@link #text}), and {@code of()} is {@code ""}.
   *
   * <p>As with any varargs method, a single {@code Object[]} argument is taken as the parts
   * themselves; cast it to {@code Object} to encode it as one array part.
   *
   * @param parts the values; elements may be null
   * @throws NullPointerException if {@code parts} is null
   * @throws IllegalArgumentException if a part is or holds a value of an unsupported type; the
   *     message names the part and the value's class
   */
  public static String of(@Nullable Object... parts) {
    Objects.requireNonNull(parts, "parts");
    return KeyEncoder.encodeParts(parts);
  }

  /**
   * Returns what a key template's placeholder makes of the argument of a parameter declared {@code
   * String}: the text as it is, with {@code \} and {@code :} escaped by {@code \}, and null as
   * {@code \N}. So {@code "user:" + text(id)} is the key of {@code key = "user:{0}"}, and {@code
   * text("a:b")} is {@code a\:b}. Unpaired surrogates become {@code \}{@code uXXXX}.
   *
   * @param text the argument; may be null
   */
  public static String text(@Nullable String text) {
    StringBuilder sb = new StringBuilder(text == null ? 2 : text.length() + 4);
    KeyEncoder.text(sb, text);
    return sb.toString();
  }
}
