package io.strata.cache.codec.internal;

import io.strata.cache.codec.Codec;
import java.util.Objects;

/** Byte arrays as they are, without a copy. Stateless and thread-safe. */
public final class BytesCodec implements Codec<byte[]> {

  /** The only instance. */
  public static final BytesCodec INSTANCE = new BytesCodec();

  private BytesCodec() {}

  @Override
  public byte[] encode(byte[] value) {
    return Objects.requireNonNull(value, "value");
  }

  @Override
  public byte[] decode(byte[] bytes) {
    return Objects.requireNonNull(bytes, "bytes");
  }

  @Override
  public String id() {
    return "bytes";
  }

  @Override
  public String toString() {
    return "Codec.bytes()";
  }
}
