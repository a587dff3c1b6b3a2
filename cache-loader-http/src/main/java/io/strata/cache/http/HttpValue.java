package io.strata.cache.http;

import io.strata.cache.codec.Codec;
import io.strata.cache.http.internal.HttpValueCodec;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * A response as an {@link HttpLoader} caches it: the status, the body (decompressed), the content
 * type and the response headers chosen by {@link HttpLoaderOptions#keptHeaders()}.
 *
 * <p>Immutable and thread-safe: {@link #body()} returns a copy, {@link #bodyBuffer()} a read-only
 * view. Header names are lower case.
 */
public final class HttpValue {

  private final int status;
  private final byte[] body;
  private final @Nullable String contentType;
  private final Map<String, List<String>> headers;

  private HttpValue(
      int status, byte[] body, @Nullable String contentType, Map<String, List<String>> headers) {
    this.status = status;
    this.body = body;
    this.contentType = contentType;
    this.headers = headers;
  }

  /**
   * Returns a value. The body is copied; header names are lower-cased.
   *
   * @throws IllegalArgumentException if {@code status} is not in [100, 599]
   */
  public static HttpValue of(
      int status, byte[] body, @Nullable String contentType, Map<String, List<String>> headers) {
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(headers, "headers");
    return ofOwned(status, body.clone(), contentType, headers);
  }

  private static HttpValue ofOwned(
      int status, byte[] body, @Nullable String contentType, Map<String, List<String>> headers) {
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("status must be in [100, 599], but was " + status);
    }
    Map<String, List<String>> copy = new TreeMap<>();
    headers.forEach(
        (name, values) -> {
          Objects.requireNonNull(name, "header name");
          List<String> list =
              copy.computeIfAbsent(name.toLowerCase(Locale.ROOT), n -> new ArrayList<>());
          for (String value : values) {
            list.add(Objects.requireNonNull(value, "header value"));
          }
        });
    copy.replaceAll((name, values) -> List.copyOf(values));
    return new HttpValue(status, body, contentType, Collections.unmodifiableMap(copy));
  }

  /**
   * Returns a codec that stores values in a compact binary form (never Java serialization) and
   * reads at most {@link HttpLoaderOptions#DEFAULT_MAX_BODY_BYTES} of body. Its id is {@code
   * "strata-http-value"}. Wrap it in {@link Codec#compressed} to deflate large bodies.
   */
  public static Codec<HttpValue> codec() {
    return HttpValueCodec.DEFAULT;
  }

  /**
   * Returns the codec of {@link #codec()} with another body limit: decoding rejects, with a {@link
   * io.strata.cache.codec.CodecException}, anything claiming a larger body.
   *
   * @throws IllegalArgumentException if {@code maxBodyBytes} is not positive
   */
  public static Codec<HttpValue> codec(int maxBodyBytes) {
    return HttpValueCodec.of(maxBodyBytes);
  }

  /** Returns the HTTP status of the response (200 for most values). */
  public int status() {
    return status;
  }

  /** Returns a copy of the body. */
  public byte[] body() {
    return body.clone();
  }

  /** Returns a read-only view of the body, without copying. */
  public ByteBuffer bodyBuffer() {
    return ByteBuffer.wrap(body).asReadOnlyBuffer();
  }

  /** Returns the body's length in bytes. */
  public int bodyLength() {
    return body.length;
  }

  /**
   * Returns the body decoded with the content type's {@code charset}, or UTF-8 when it names none
   * or one this JVM lacks. Malformed bytes become U+FFFD.
   */
  public String bodyAsString() {
    return new String(body, charset());
  }

  /** Returns the {@code Content-Type}, or null if the response had none. */
  public @Nullable String contentType() {
    return contentType;
  }

  /** Returns the kept headers: lower-case names, values in order; unmodifiable. */
  public Map<String, List<String>> headers() {
    return headers;
  }

  /** Returns the first value of the kept header {@code name} (any case), if present. */
  public Optional<String> header(String name) {
    Objects.requireNonNull(name, "name");
    List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
    return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
  }

  /** Returns the {@code ETag}, if it was kept. */
  public Optional<String> etag() {
    return header("etag");
  }

  /** Returns the {@code Last-Modified} date, if it was kept. */
  public Optional<String> lastModified() {
    return header("last-modified");
  }

  private Charset charset() {
    if (contentType != null) {
      for (String param : contentType.split(";")) {
        String p = param.trim();
        if (p.regionMatches(true, 0, "charset=", 0, 8)) {
          String name = p.substring(8).trim().replace("\"", "");
          try {
            return Charset.forName(name);
          } catch (IllegalArgumentException e) {
            return StandardCharsets.UTF_8;
          }
        }
      }
    }
    return StandardCharsets.UTF_8;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof HttpValue other
        && status == other.status
        && Arrays.equals(body, other.body)
        && Objects.equals(contentType, other.contentType)
        && headers.equals(other.headers);
  }

  @Override
  public int hashCode() {
    return Objects.hash(status, Arrays.hashCode(body), contentType, headers);
  }

  @Override
  public String toString() {
    return "HttpValue{status=" + status + ", bytes=" + body.length
        + (contentType == null ? "" : ", contentType=" + contentType) + '}';
  }
}
