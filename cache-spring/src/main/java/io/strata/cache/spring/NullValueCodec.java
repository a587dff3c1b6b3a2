package io.strata.cache.spring;

import io.strata.cache.codec.Codec;
import io.strata.cache.codec.CodecException;
import java.util.Arrays;
import java.util.Objects;
import org.springframework.cache.support.NullValue;

/**
 * A codec that stores Spring's {@link NullValue} marker beside the values of another codec, for
 * caches that allow null values and have a tier of bytes (Redis). Each encoding starts with one
 * byte: {@code 0} for the marker (nothing follows), {@code 1} for a value (the delegate's bytes
 * follow). Its id is {@code "spring-null+"} and the delegate's, so entries written by a codec
 * without the marker byte are misses, never misread.
 *
 * <p>Thread-safe if the delegate is.
 */
public final class NullValueCodec implements Codec<Object> {

  private static final byte NULL = 0;
  private static final byte VALUE = 1;
  private static final byte[] NULL_BYTES = {NULL};

  private final Codec<Object> delegate;
  private final String id;

  private NullValueCodec(Codec<Object> delegate) {
    this.delegate = delegate;
    this.id = "spring-null+" + delegate.id();
  }

  /**
   * Returns a codec of {@code delegate}'s values and of {@link NullValue}. The delegate is given
   * every non-null value stored in the cache, so it must accept them all (a JSON codec bound to the
   * cache's value type).
   */
  @SuppressWarnings("unchecked")
  public static NullValueCodec wrap(Codec<?> delegate) {
    Objects.requireNonNull(delegate, "delegate");
    return new NullValueCodec((Codec<Object>) delegate);
  }

  @Override
  public byte[] encode(Object value) {
    Objects.requireNonNull(value, "value");
    if (value == NullValue.INSTANCE) {
      return NULL_BYTES.clone();
    }
    byte[] bytes = delegate.encode(value);
    byte[] out = new byte[bytes.length + 1];
    out[0] = VALUE;
    System.arraycopy(bytes, 0, out, 1, bytes.length);
    return out;
  }

  @Override
  public Object decode(byte[] bytes) throws CodecException {
    Objects.requireNonNull(bytes, "bytes");
    if (bytes.length == 1 && bytes[0] == NULL) {
      return NullValue.INSTANCE;
    }
    if (bytes.length == 0 || bytes[0] != VALUE) {
      throw new CodecException("not written by " + id + ": bad marker byte");
    }
    return delegate.decode(Arrays.copyOfRange(bytes, 1, bytes.length));
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public String contentType() {
    return delegate.contentType();
  }

  @Override
  public String toString() {
    return "NullValueCodec[" + delegate + "]";
  }
}
