package io.strata.cache.http.internal;

import io.strata.cache.Loaded;
import io.strata.cache.http.HttpLoaderOptions;
import java.time.Duration;
import java.time.Instant;
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
 * @param mustRevalidate {@code no-cache}: storable (ttl zero), but every use must revalidate
 */
public record Freshness(
    Duration ttl,
    Duration hint,
    Loaded.Storage storage,
    @Nullable Duration staleWhileRevalidate,
    @Nullable Duration staleIfError,
    boolean mustRevalidate) {

  /** RFC 9111, section 1.2.2: a delta-seconds above 2^31 is taken as 2^31. */
  static final long MAX_DELTA_SECONDS = 2_147_483_648L;

  private static final Freshness NOT_STORED =
      new Freshness(
          Duration.ZERO, Duration.ZERO, Loaded.Storage.NOWHERE, Duration.ZERO, Duration.ZERO, false);

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
    return of(200, headers, now, options, authorized);
  }

  /**
   * Computes the freshness of a response with status {@code status}: only the statuses RFC 9110
   * (15.1) calls heuristically cacheable get the default lifetime when the response states none;
   * any other status needs explicit freshness to be kept.
   */
  public static Freshness of(
      int status,
      Map<String, List<String>> headers,
      Instant now,
      HttpLoaderOptions options,
      boolean authorized) {
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
    } else if (HEURISTIC.contains(status)) {
      lifetime = -1;
    } else {
      lifetime = 0; // RFC 9111, 3: no explicit freshness and not heuristically cacheable
    }
    long age = age(headers.get("age"));

    Duration remaining;
    if (lifetime < 0) {
      remaining = options.defaultTtl().minusSeconds(age);
    } else {
      remaining = Duration.ofSeconds(lifetime - age);
    }
    if (remaining.isNegative() || remaining.isZero()) {
      return NOT_STORED;
    }
    if (noCache) {
      // RFC 9111, 5.2.2.4: may be stored, never served without revalidation. The caller keeps it
      // (for its validators) only when it can revalidate; it is never served stale.
      return new Freshness(
          Duration.ZERO, Duration.ZERO, storage, Duration.ZERO, Duration.ZERO, true);
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
    return new Freshness(ttl, remaining, storage, swr, sie, false);
  }

  /** Returns whether {@code headers} state a lifetime ({@code s-maxage}, {@code max-age}, {@code Expires}). */
  static boolean statesLifetime(Map<String, List<String>> headers) {
    Directives cc = Directives.parse(headers.getOrDefault("cache-control", List.of()));
    return cc.has("s-maxage") || cc.has("max-age") || headers.containsKey("expires");
  }

  /** The statuses RFC 9110 (15.1) lets a cache give a heuristic (here: default) lifetime. */
  private static final java.util.Set<Integer> HEURISTIC =
      java.util.Set.of(200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501);

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

  /**
   * The Age in seconds: the first member of the field's list, however its lines were split (RFC
   * 9110, 5.3: {@code Age: 0, 7200} and two lines {@code 0} and {@code 7200} mean the same), 0 when
   * absent or invalid (RFC 9111, 5.1: an invalid Age is ignored, as cache-tests age-parse-* ask).
   */
  private static long age(@Nullable List<String> values) {
    if (values == null || values.isEmpty()) {
      return 0;
    }
    String first = values.get(0);
    int comma = first.indexOf(',');
    long parsed = deltaSeconds((comma < 0 ? first : first.substring(0, comma)).trim());
    return Math.max(0, parsed);
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

  private static final java.util.regex.Pattern IMF_FIXDATE =
      java.util.regex.Pattern.compile(
          "(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) ([A-Z][a-z]{2}) (\\d{4}) (\\d{2}):(\\d{2}):(\\d{2}) GMT");
  private static final java.util.regex.Pattern RFC850_DATE =
      java.util.regex.Pattern.compile(
          "(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-([A-Z][a-z]{2})-(\\d{2})"
              + " (\\d{2}):(\\d{2}):(\\d{2}) GMT");
  private static final java.util.regex.Pattern ASCTIME_DATE =
      java.util.regex.Pattern.compile(
          "(Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([ \\d]\\d) (\\d{2}):(\\d{2}):(\\d{2}) (\\d{4})");
  private static final List<String> MONTHS =
      List.of("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec");

  /**
   * Parses an HTTP date (RFC 9110, 5.6.7): the IMF-fixdate, and the two obsolete forms every
   * recipient must accept, rfc850-date (a two-digit year more than 50 years ahead is taken as the
   * past century) and asctime-date. Exactly, case-sensitively: one-digit hours, numeric or other
   * zones, missing seconds, commas or weekdays are invalid. Returns null when invalid.
   */
  public static @Nullable Instant parseHttpDate(String value) {
    String v = value.trim();
    if (v.isEmpty() || v.length() > 40) {
      return null;
    }
    java.util.regex.Matcher m;
    int day;
    int month;
    int year;
    int hour;
    int minute;
    int second;
    if ((m = IMF_FIXDATE.matcher(v)).matches()) {
      day = Integer.parseInt(m.group(2));
      month = MONTHS.indexOf(m.group(3)) + 1;
      year = Integer.parseInt(m.group(4));
      hour = Integer.parseInt(m.group(5));
      minute = Integer.parseInt(m.group(6));
      second = Integer.parseInt(m.group(7));
    } else if ((m = RFC850_DATE.matcher(v)).matches()) {
      day = Integer.parseInt(m.group(2));
      month = MONTHS.indexOf(m.group(3)) + 1;
      int twoDigits = Integer.parseInt(m.group(4));
      int thisYear = java.time.Year.now(java.time.ZoneOffset.UTC).getValue();
      year = thisYear / 100 * 100 + twoDigits;
      if (year > thisYear + 50) {
        year -= 100;
      }
      hour = Integer.parseInt(m.group(5));
      minute = Integer.parseInt(m.group(6));
      second = Integer.parseInt(m.group(7));
    } else if ((m = ASCTIME_DATE.matcher(v)).matches()) {
      month = MONTHS.indexOf(m.group(2)) + 1;
      day = Integer.parseInt(m.group(3).trim());
      hour = Integer.parseInt(m.group(4));
      minute = Integer.parseInt(m.group(5));
      second = Integer.parseInt(m.group(6));
      year = Integer.parseInt(m.group(7));
    } else {
      return null;
    }
    if (month == 0) {
      return null;
    }
    try {
      // second 60 (a leap second) is read as the next second
      boolean leap = second == 60;
      Instant instant =
          java.time.LocalDateTime.of(year, month, day, hour, minute, leap ? 59 : second)
              .toInstant(java.time.ZoneOffset.UTC);
      return leap ? instant.plusSeconds(1) : instant;
    } catch (java.time.DateTimeException e) {
      return null; // 31 Feb, hour 24, ...
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
