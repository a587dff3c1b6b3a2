package io.strata.cache.codec.internal;

import io.strata.cache.codec.Codec;
import io.strata.cache.codec.CodecException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Strings as strict UTF-8: malformed input is reported, never replaced. Stateless and thread-safe
 * (a fresh {@link java.nio.charset.CharsetDecoder} per call, since they are not).
 */
public final class Utf8Codec implements Codec<String> {

  /** The only instance. */
  public static final Utf8Codec INSTANCE = new Utf8Codec();

  private Utf8Codec() {}

  @Override
  public byte[] encode(String value) {
    Objects.requireNonNull(value, "value");
    ByteBuffer encoded;
    try {
      encoded =
          StandardCharsets.UTF_8
              .newEncoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .encode(CharBuffer.wrap(value));
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(
          "value must be valid UTF-16 to be encoded as UTF-8, but has an unpaired surrogate", e);
    }
    byte[] bytes = new byte[encoded.remaining()];
    encoded.get(bytes);
    return bytes;
  }

  @Override
  public String decode(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new CodecException("malformed UTF-8 in " + bytes.length + " bytes", e);
    }
  }

  @Override
  public String id() {
    return "utf8";
  }

  @Override
  public String contentType() {
    return "text/plain; charset=utf-8";
  }

  @Override
  public String toString() {
    return "Codec.utf8()";
  }
}
