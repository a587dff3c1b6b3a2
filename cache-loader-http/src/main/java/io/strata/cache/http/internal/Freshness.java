package io.strata.cache.http.internal;

import io.strata.cache.Loaded;
import io.strata.cache.http.HttpLoaderOptions;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * How long a response may be served, where it may be kept and how long it may be served stale,
 * from its headers (RFC 9111 for a shared cache, with the RFC 5861 extensions).
 *
 * @param ttl the lifetime to give the entry, clamped to the options' bounds; zero when the response
 *     is not fresh and must not be stored
 * @param hint the remaining lifetime as the upstream stated it (before clamping), or zero
 * @param storage where the response may be kept
 * @param staleWhileRevalidate the upstream's window, zero when stale serving is forbidden, null to
 *     let the cache's default apply
 * @param staleIfError likewise for stale-if-error
 */
public record Freshness(
    Duration ttl,
    Duration hint,
    Loaded.Storage storage,
    @Nullable Duration staleWhileRevalidate,
    @Nullable Duration staleIfError) {

  /** RFC 9111, section 1.2.2: a delta-seconds above 2^31 is taken as 2^31. */
  static final long MAX_DELTA_SECONDS = 2_147_483_648L;

  private static final Freshness NOT_STORED =
      new Freshness(Duration.ZERO, Duration.ZERO, Loaded.Storage.NOWHERE, Duration.ZERO, Duration.ZERO);

  /**
   * Computes the freshness of a response.
   *
   * @param headers the response headers, lower-case names
   * @param now the wall-clock time the response was received, for {@code Expires} without {@code
   *     Date}
   * @param authorized whether the request carried {@code Authorization}
   */
  public static Freshness of(
      Map<String, List<String>> headers, Instant now, HttpLoaderOptions options, boolean authorized) {
    Directives cc = Directives.parse(headers.getOrDefault("cache-control", List.of()));
    if (cc.has("no-store") || hasToken(headers.get("vary"), "*")) {
      return NOT_STORED;
    }
    Loaded.Storage storage = cc.has("private") ? Loaded.Storage.LOCAL_ONLY : Loaded.Storage.EVERYWHERE;
    if (authorized && !(cc.has("public") || cc.has("s-maxage") || cc.has("must-revalidate"))) {
      storage = Loaded.Storage.LOCAL_ONLY;
    }
    boolean noCache =
        cc.has("no-cache") || (cc.isEmpty() && hasToken(headers.get("pragma"), "no-cache"));

    // Lifetime in seconds; -1 = no explicit freshness (the default applies).
    long lifetime;
    if (cc.has("s-maxage")) {
      lifetime = Math.max(0, cc.deltaSeconds("s-maxage"));
    } else if (cc.has("max-age")) {
      lifetime = Math.max(0, cc.deltaSeconds("max-age"));
    } else if (headers.containsKey("expires")) {
      lifetime = expiresLifetime(headers, now);
    } else {
      lifetime = -1;
    }
    long age = age(headers.get("age"));

    Duration remaining;
    if (age < 0) {
      remaining = Duration.ZERO; // an Age we cannot read: assume the worst
    } else if (lifetime < 0) {
      remaining = options.defaultTtl().minusSeconds(age);
    } else {
      remaining = Duration.ofSeconds(lifetime - age);
    }
    if (noCache || remaining.isNegative() || remaining.isZero()) {
      return NOT_STORED;
    }
    Duration ttl = remaining;
    if (ttl.compareTo(options.minimumTtl()) < 0) {
      ttl = options.minimumTtl();
    }
    if (ttl.compareTo(options.maximumTtl()) > 0) {
      ttl = options.maximumTtl();
    }

    Duration swr;
    Duration sie;
    if (cc.has("must-revalidate") || cc.has("proxy-revalidate")) {
      swr = Duration.ZERO;
      sie = Duration.ZERO;
    } else {
      // s-maxage implies proxy-revalidate (RFC 9111, 5.2.2.10) unless the origin grants the
      // RFC 5861 windows explicitly.
      Duration implied = cc.has("s-maxage") ? Duration.ZERO : null;
      swr = window(cc, "stale-while-revalidate", implied);
      sie = window(cc, "stale-if-error", implied);
    }
    return new Freshness(ttl, remaining, storage, swr, sie);
  }

  private static @Nullable Duration window(Directives cc, String name, @Nullable Duration otherwise) {
    if (!cc.has(name)) {
      return otherwise;
    }
    long seconds = cc.deltaSeconds(name);
    return seconds < 0 ? Duration.ZERO : Duration.ofSeconds(seconds);
  }

  /** Expires minus Date (or now without Date), in seconds; 0 when either cannot be read. */
  private static long expiresLifetime(Map<String, List<String>> headers, Instant now) {
    List<String> expires = headers.get("expires");
    if (expires == null || expires.size() != 1) {
      return 0; // RFC 9111, 4.2.1: conflicting values may be treated as stale
    }
    Instant expiry = parseHttpDate(expires.get(0));
    if (expiry == null) {
      return 0; // RFC 9111, 5.3: an invalid date, "0" included, means already expired
    }
    Instant date = now;
    List<String> dates = headers.get("date");
    if (dates != null && dates.size() == 1) {
      Instant parsed = parseHttpDate(dates.get(0));
      if (parsed != null) {
        date = parsed;
      }
    }
    long seconds = Duration.between(date, expiry).getSeconds();
    return Math.max(0, Math.min(seconds, MAX_DELTA_SECONDS));
  }

  /** The Age in seconds, 0 when absent, -1 when it cannot be read. */
  private static long age(@Nullable List<String> values) {
    if (values == null || values.isEmpty()) {
      return 0;
    }
    long age = -1;
    for (String value : values) {
      long parsed = deltaSeconds(value.trim());
      if (parsed < 0 || (age >= 0 && parsed != age)) {
        return -1;
      }
      age = parsed;
    }
    return age;
  }

  /** Parses delta-seconds: digits only, clamped at 2^31; -1 for anything else. */
  static long deltaSeconds(@Nullable String value) {
    if (value == null || value.isEmpty()) {
      return -1;
    }
    int start = 0;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      if (c == '0' && start == i && i < value.length() - 1) {
        start++;
      }
    }
    String digits = value.substring(start);
    if (digits.length() > 10) {
      return MAX_DELTA_SECONDS;
    }
    return Math.min(Long.parseLong(digits), MAX_DELTA_SECONDS);
  }

  /** Parses an IMF-fixdate (and the RFC 1123 forms Java reads); null when invalid. */
  public static @Nullable Instant parseHttpDate(String value) {
    String v = value.trim();
    if (v.isEmpty() || v.length() > 64) {
      return null;
    }
    try {
      return ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static boolean hasToken(@Nullable List<String> values, String token) {
    if (values == null) {
      return false;
    }
    for (String value : values) {
      for (String part : value.split(",")) {
        if (part.trim().equalsIgnoreCase(token)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Cache-Control directives: names lower case, values unquoted (null when the directive has no
   * {@code =}). A name may repeat.
   */
  static final class Directives {
    private final Map<String, List<@Nullable String>> values;

    private Directives(Map<String, List<@Nullable String>> values) {
      this.values = values;
    }

    static Directives parse(List<String> headerValues) {
      Map<String, List<@Nullable String>> values = new HashMap<>();
      for (String header : headerValues) {
        int i = 0;
        int n = header.length();
        while (i < n) {
          while (i < n && (header.charAt(i) == ',' || isSpace(header.charAt(i)))) {
            i++;
          }
          int nameStart = i;
          while (i < n && header.charAt(i) != '=' && header.charAt(i) != ',') {
            i++;
          }
          String name = header.substring(nameStart, i).trim().toLowerCase(Locale.ROOT);
          String value = null;
          if (i < n && header.charAt(i) == '=') {
            i++;
            while (i < n && isSpace(header.charAt(i))) {
              i++;
            }
            if (i < n && header.charAt(i) == '"') {
              StringBuilder quoted = new StringBuilder();
              i++;
              while (i < n && header.charAt(i) != '"') {
                char c = header.charAt(i);
                if (c == '\\' && i + 1 < n) {
                  c = header.charAt(++i);
                }
                quoted.append(c);
                i++;
              }
              i++; // the closing quote, if any
              value = quoted.toString();
              while (i < n && header.charAt(i) != ',') {
                i++; // junk after a quoted string is ignored
              }
            } else {
              int valueStart = i;
              while (i < n && header.charAt(i) != ',') {
                i++;
              }
              value = header.substring(valueStart, i).trim();
            }
          }
          if (!name.isEmpty()) {
            values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
          }
        }
      }
      return new Directives(values);
    }

    private static boolean isSpace(char c) {
      return c == ' ' || c == '\t';
    }

    boolean has(String name) {
      return values.containsKey(name);
    }

    boolean isEmpty() {
      return values.isEmpty();
    }

    /**
     * The directive's delta-seconds; -1 when it has no value, an invalid or negative one, or two
     * different values (RFC 9111, 4.2.1: such a response may be treated as stale).
     */
    long deltaSeconds(String name) {
      List<@Nullable String> list = values.get(name);
      if (list == null) {
        return -1;
      }
      long result = -1;
      for (String value : list) {
        long parsed = Freshness.deltaSeconds(value == null ? null : value.trim());
        if (parsed < 0 || (result >= 0 && parsed != result)) {
          return -1;
        }
        result = parsed;
      }
      return result;
    }
  }
}
