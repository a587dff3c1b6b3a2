package io.strata.cache.http.internal;

import io.strata.cache.codec.Codec;
import io.strata.cache.codec.CodecException;
import io.strata.cache.http.HttpLoaderOptions;
import io.strata.cache.http.HttpValue;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The byte form of an {@link HttpValue}: a version byte, the status, the content type, the kept
 * headers as name/value pairs and the body, each string length-prefixed UTF-8. Decoding trusts
 * nothing: every length is checked against what is left and against a limit before anything is
 * allocated, and any surplus byte is an error.
 */
public final class HttpValueCodec implements Codec<HttpValue> {

  public static final HttpValueCodec DEFAULT = new HttpValueCodec(HttpLoaderOptions.DEFAULT_MAX_BODY_BYTES);

  private static final byte VERSION = 1;
  private static final int MAX_STRING_BYTES = 16 * 1024;
  private static final int MAX_HEADER_PAIRS = 256;

  private final int maxBodyBytes;

  private HttpValueCodec(int maxBodyBytes) {
    this.maxBodyBytes = maxBodyBytes;
  }

  public static HttpValueCodec of(int maxBodyBytes) {
    if (maxBodyBytes <= 0) {
      throw new IllegalArgumentException("maxBodyBytes must be positive, but was " + maxBodyBytes);
    }
    return new HttpValueCodec(maxBodyBytes);
  }

  @Override
  public byte[] encode(HttpValue value) {
    Objects.requireNonNull(value, "value");
    if (value.bodyLength() > maxBodyBytes) {
      throw new IllegalArgumentException(
          "the body has " + value.bodyLength() + " bytes, more than this codec reads back ("
              + maxBodyBytes + ")");
    }
    List<String[]> pairs = new ArrayList<>();
    value.headers().forEach((name, values) -> values.forEach(v -> pairs.add(new String[] {name, v})));
    if (pairs.size() > MAX_HEADER_PAIRS) {
      throw new IllegalArgumentException(
          "the value has " + pairs.size() + " header values, more than " + MAX_HEADER_PAIRS);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + value.bodyLength());
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      out.writeShort(value.status());
      writeString(out, value.contentType());
      out.writeShort(pairs.size());
      for (String[] pair : pairs) {
        writeString(out, pair[0]);
        writeString(out, pair[1]);
      }
      ByteBuffer body = value.bodyBuffer();
      out.writeInt(body.remaining());
      byte[] chunk = new byte[Math.min(8192, Math.max(1, body.remaining()))];
      while (body.hasRemaining()) {
        int n = Math.min(chunk.length, body.remaining());
        body.get(chunk, 0, n);
        out.write(chunk, 0, n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return bytes.toByteArray();
  }

  private static void writeString(DataOutputStream out, @Nullable String s) throws IOException {
    if (s == null) {
      out.writeInt(-1);
      return;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length > MAX_STRING_BYTES) {
      throw new IllegalArgumentException(
          "a header or content type of " + b.length + " bytes exceeds " + MAX_STRING_BYTES);
    }
    out.writeInt(b.length);
    out.write(b);
  }

  @Override
  public HttpValue decode(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    Reader in = new Reader(bytes);
    int version = in.u8();
    if (version != VERSION) {
      throw new CodecException("unknown http-value format version " + version);
    }
    int status = in.u16();
    if (status < 100 || status > 599) {
      throw new CodecException("status " + status + " is not an HTTP status");
    }
    String contentType = in.string();
    int pairs = in.u16();
    if (pairs > MAX_HEADER_PAIRS) {
      throw new CodecException(pairs + " header values exceed the limit of " + MAX_HEADER_PAIRS);
    }
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (int i = 0; i < pairs; i++) {
      String name = in.string();
      String value = in.string();
      if (name == null || value == null) {
        throw new CodecException("a header name or value is missing");
      }
      headers.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
    }
    int length = in.i32();
    if (length < 0 || length > maxBodyBytes) {
      throw new CodecException(
          "a body of " + length + " bytes is outside [0, " + maxBodyBytes + "]");
    }
    byte[] body = in.bytes(length);
    if (in.remaining() != 0) {
      throw new CodecException(in.remaining() + " bytes follow the value");
    }
    try {
      return HttpValue.of(status, body, contentType, headers);
    } catch (IllegalArgumentException e) {
      throw new CodecException("not a valid http value", e);
    }
  }

  @Override
  public String id() {
    return "strata-http-value";
  }

  @Override
  public String toString() {
    return "HttpValueCodec{maxBodyBytes=" + maxBodyBytes + '}';
  }

  /** Reads the format, failing with a {@link CodecException} on any short or oversized field. */
  private static final class Reader {
    private final byte[] bytes;
    private int position;

    Reader(byte[] bytes) {
      this.bytes = bytes;
    }

    int remaining() {
      return bytes.length - position;
    }

    private void need(int n) {
      if (n > remaining()) {
        throw new CodecException("truncated http value: needs " + n + " more bytes, has " + remaining());
      }
    }

    int u8() {
      need(1);
      return bytes[position++] & 0xff;
    }

    int u16() {
      need(2);
      int v = ((bytes[position] & 0xff) << 8) | (bytes[position + 1] & 0xff);
      position += 2;
      return v;
    }

    int i32() {
      need(4);
      int v =
          ((bytes[position] & 0xff) << 24)
              | ((bytes[position + 1] & 0xff) << 16)
              | ((bytes[position + 2] & 0xff) << 8)
              | (bytes[position + 3] & 0xff);
      position += 4;
      return v;
    }

    byte[] bytes(int n) {
      need(n);
      byte[] out = new byte[n];
      System.arraycopy(bytes, position, out, 0, n);
      position += n;
      return out;
    }

    @Nullable String string() {
      int n = i32();
      if (n == -1) {
        return null;
      }
      if (n < 0 || n > MAX_STRING_BYTES) {
        throw new CodecException("a string of " + n + " bytes is outside [0, " + MAX_STRING_BYTES + "]");
      }
      need(n);
      try {
        CharBuffer chars =
            StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes, position, n));
        position += n;
        return chars.toString();
      } catch (CharacterCodingException e) {
        throw new CodecException("a string is not valid UTF-8", e);
      }
    }
  }
}
