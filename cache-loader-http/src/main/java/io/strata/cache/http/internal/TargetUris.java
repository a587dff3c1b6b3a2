package io.strata.cache.http.internal;

import io.strata.cache.http.HttpTarget;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Turns {@link HttpTarget}s into URIs below one fixed base. The base is checked once; each value of
 * a target is percent-encoded whole (everything but RFC 3986 unreserved characters), and the result
 * is checked again against the base's scheme, host, port and path before it is used.
 */
public final class TargetUris {

  private final URI base;
  private final String scheme;
  private final String host;
  private final int port;
  private final String prefix; // scheme://authority/base-path, without a trailing slash
  private final String basePath; // raw, without a trailing slash
  private final @Nullable String baseQuery; // raw

  private TargetUris(URI base) {
    this.base = base;
    this.scheme = base.getScheme().toLowerCase(Locale.ROOT);
    this.host = Objects.requireNonNull(base.getHost()).toLowerCase(Locale.ROOT);
    this.port = effectivePort(base);
    String rawPath = base.getRawPath() == null ? "" : base.getRawPath();
    this.basePath = rawPath.endsWith("/") ? rawPath.substring(0, rawPath.length() - 1) : rawPath;
    this.prefix = scheme + "://" + base.getRawAuthority() + basePath;
    this.baseQuery = base.getRawQuery();
  }

  /**
   * Checks {@code base} and returns the resolver for it.
   *
   * @throws IllegalArgumentException if the base is not an absolute http(s) URI with a host, or has
   *     user info, a fragment or dot segments
   */
  public static TargetUris of(URI base) {
    Objects.requireNonNull(base, "baseUri");
    String scheme = base.getScheme();
    if (scheme == null
        || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
        || base.isOpaque()) {
      throw new IllegalArgumentException(
          "baseUri must be an absolute http:// or https:// URI, but was '" + redact(base) + "'");
    }
    if (base.getHost() == null) {
      throw new IllegalArgumentException(
          "baseUri must name a host (a server-based authority), but was '" + redact(base) + "'");
    }
    if (base.getRawUserInfo() != null) {
      throw new IllegalArgumentException(
          "baseUri must not carry user info: send credentials with requestHeader(\"Authorization\", ...)");
    }
    if (base.getRawFragment() != null) {
      throw new IllegalArgumentException("baseUri must not have a fragment, but was '" + redact(base) + "'");
    }
    String path = base.getRawPath() == null ? "" : base.getRawPath();
    for (String segment : path.split("/", -1)) {
      String decoded = segment.replace("%2e", ".").replace("%2E", ".");
      if (decoded.equals(".") || decoded.equals("..")) {
        throw new IllegalArgumentException(
            "baseUri must not contain '.' or '..' path segments, but was '" + redact(base) + "'");
      }
    }
    return new TargetUris(base);
  }

  /** Returns the base URI. */
  public URI base() {
    return base;
  }

  /**
   * Returns the URI for {@code target}.
   *
   * @throws IllegalArgumentException if the encoded path and query exceed {@code maxLength}
   */
  public URI resolve(HttpTarget target, int maxLength) {
    int rawLength = 0;
    for (String segment : target.pathSegments()) {
      rawLength += segment.length() + 1;
    }
    for (Map.Entry<String, String> param : target.queryParameters()) {
      rawLength += param.getKey().length() + param.getValue().length() + 2;
    }
    if (rawLength > maxLength) {
      // Encoding never shortens: fail before building a string for a huge key.
      throw tooLong(rawLength, maxLength);
    }
    StringBuilder suffix = new StringBuilder(rawLength * 2);
    for (String segment : target.pathSegments()) {
      suffix.append('/');
      encode(segment, suffix);
    }
    String pathSuffix = suffix.toString();
    StringBuilder query = new StringBuilder();
    for (Map.Entry<String, String> param : target.queryParameters()) {
      query.append(query.length() == 0 ? "" : "&");
      encode(param.getKey(), query);
      query.append('=');
      encode(param.getValue(), query);
    }
    if (pathSuffix.length() + query.length() > maxLength) {
      throw tooLong(pathSuffix.length() + query.length(), maxLength);
    }
    StringBuilder uri = new StringBuilder(prefix.length() + pathSuffix.length() + query.length() + 16);
    if (target.pathSegments().isEmpty()) {
      uri.append(scheme).append("://").append(base.getRawAuthority());
      uri.append(base.getRawPath() == null ? "" : base.getRawPath());
    } else {
      uri.append(prefix).append(pathSuffix);
    }
    String fullQuery =
        baseQuery == null
            ? (query.length() == 0 ? null : query.toString())
            : (query.length() == 0 ? baseQuery : baseQuery + "&" + query);
    if (fullQuery != null) {
      uri.append('?').append(fullQuery);
    }
    URI result = URI.create(uri.toString());
    // Defence in depth: encoding makes these impossible; a bug must fail closed, not open.
    String path = result.getRawPath() == null ? "" : result.getRawPath();
    String expectedPath =
        target.pathSegments().isEmpty()
            ? (base.getRawPath() == null ? "" : base.getRawPath())
            : basePath + pathSuffix;
    if (!sameOrigin(result)
        || result.getRawUserInfo() != null
        || result.getRawFragment() != null
        || !path.equals(expectedPath)) {
      throw new IllegalStateException("a key escaped the base URI; this is a bug in Strata");
    }
    return result;
  }

  /**
   * Returns whether {@code uri} is at or below the base: same origin, no user info, and a path
   * that is the base path or continues it after a {@code /}, without dot segments (raw or
   * percent-encoded). What a redirect may lead to.
   */
  public boolean withinBase(URI uri) {
    if (!sameOrigin(uri) || uri.getRawUserInfo() != null) {
      return false;
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    for (String segment : path.split("/", -1)) {
      String s = segment.toLowerCase(Locale.ROOT).replace("%2e", ".");
      if (s.equals(".") || s.equals("..") || segment.toLowerCase(Locale.ROOT).contains("%2f")) {
        return false;
      }
    }
    String own = base.getRawPath() == null ? "" : base.getRawPath();
    return path.equals(own) || path.startsWith(basePath + "/");
  }

  /** Returns whether {@code uri} has the base's scheme, host and port. */
  public boolean sameOrigin(URI uri) {
    return uri.getScheme() != null
        && uri.getScheme().equalsIgnoreCase(scheme)
        && uri.getHost() != null
        && uri.getHost().equalsIgnoreCase(host)
        && effectivePort(uri) == port;
  }

  private static int effectivePort(URI uri) {
    if (uri.getPort() != -1) {
      return uri.getPort();
    }
    return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }

  private static IllegalArgumentException tooLong(int length, int max) {
    return new IllegalArgumentException(
        "the key encodes to at least " + length + " characters of path and query, more than"
            + " maxEncodedKeyLength (" + max + "): shorten the key or raise the limit");
  }

  /** Percent-encodes every byte of the UTF-8 form except RFC 3986 unreserved characters. */
  static void encode(String value, StringBuilder out) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    for (byte b : bytes) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '.'
          || c == '_'
          || c == '~') {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
  }

  /** The URI without user info and query, which may hold secrets: for messages. */
  public static String redact(URI uri) {
    if (uri.getScheme() == null || uri.getHost() == null) {
      return "<not a server URI>";
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    if (path.length() > 200) {
      path = path.substring(0, 200) + "...";
    }
    return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() == -1 ? "" : ":" + uri.getPort()) + path;
  }
}
