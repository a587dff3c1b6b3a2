package io.strata.cache.codec.internal;

import io.strata.cache.codec.Codec;
import io.strata.cache.codec.CodecException;
import java.util.Arrays;
import java.util.Objects;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.jspecify.annotations.Nullable;

/**
 * Wraps a codec's bytes in a frame: one header byte, then the payload either as it is ({@link
 * #STORED}) or as a zlib stream ({@link #DEFLATED}, with its Adler-32 check). Inflating is bounded
 * by {@code maxDecompressedBytes}: the output buffer never grows beyond that plus one byte.
 * Immutable and thread-safe; a {@link Deflater} or {@link Inflater} is created and ended per call.
 */
public final class DeflateCodec<V> implements Codec<V> {

  /** Header of a frame whose payload follows as it is. */
  static final byte STORED = 0;

  /** Header of a frame whose payload follows as a zlib (RFC 1950) stream. */
  static final byte DEFLATED = 1;

  /** The largest array length every JVM allocates. */
  static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

  /** Favours speed: a cache compresses on its write path. */
  private static final int LEVEL = Deflater.BEST_SPEED;

  private final Codec<V> delegate;
  private final int thresholdBytes;
  private final int maxDecompressedBytes;
  private final String id;

  private DeflateCodec(Codec<V> delegate, int thresholdBytes, int maxDecompressedBytes) {
    this.delegate = delegate;
    this.thresholdBytes = thresholdBytes;
    this.maxDecompressedBytes = maxDecompressedBytes;
    this.id = "deflate+" + Objects.requireNonNull(delegate.id(), "delegate.id()");
  }

  /** See {@link Codec#compressed(Codec, int, int)}. */
  public static <V> Codec<V> of(Codec<V> delegate, int thresholdBytes, int maxDecompressedBytes) {
    Objects.requireNonNull(delegate, "delegate");
    if (thresholdBytes < 0) {
      throw new IllegalArgumentException("thresholdBytes must be >= 0, but was " + thresholdBytes);
    }
    if (maxDecompressedBytes < 1 || maxDecompressedBytes > MAX_ARRAY_LENGTH - 1) {
      throw new IllegalArgumentException(
          "maxDecompressedBytes must be between 1 and "
              + (MAX_ARRAY_LENGTH - 1)
              + ", but was "
              + maxDecompressedBytes);
    }
    return new DeflateCodec<>(delegate, thresholdBytes, maxDecompressedBytes);
  }

  @Override
  public byte[] encode(V value) {
    Objects.requireNonNull(value, "value");
    byte[] payload = delegate.encode(value);
    if (payload.length > maxDecompressedBytes) {
      throw new IllegalArgumentException(
          "value encodes to "
              + payload.length
              + " bytes, more than maxDecompressedBytes ("
              + maxDecompressedBytes
              + ") that decode accepts; raise the limit or cache smaller values");
    }
    if (payload.length >= thresholdBytes) {
      byte[] deflated = deflate(payload);
      if (deflated != null) {
        return deflated;
      }
    }
    byte[] frame = new byte[payload.length + 1];
    frame[0] = STORED;
    System.arraycopy(payload, 0, frame, 1, payload.length);
    return frame;
  }

  /** Returns a deflated frame, or null if it would not be smaller than the stored frame. */
  private static byte @Nullable [] deflate(byte[] payload) {
    // A stored frame takes 1 + payload.length bytes; a deflated frame must fit in one byte less.
    byte[] frame = new byte[payload.length];
    if (frame.length < 2) {
      return null;
    }
    frame[0] = DEFLATED;
    int length = 1;
    Deflater deflater = new Deflater(LEVEL);
    try {
      deflater.setInput(payload);
      deflater.finish();
      while (!deflater.finished()) {
        if (length == frame.length) {
          return null;
        }
        length += deflater.deflate(frame, length, frame.length - length);
      }
    } finally {
      deflater.end();
    }
    return Arrays.copyOf(frame, length);
  }

  @Override
  public V decode(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    if (bytes.length == 0) {
      throw new CodecException("empty " + id + " frame: no header byte");
    }
    switch (bytes[0]) {
      case STORED:
        if (bytes.length - 1 > maxDecompressedBytes) {
          throw tooLarge();
        }
        return delegate.decode(Arrays.copyOfRange(bytes, 1, bytes.length));
      case DEFLATED:
        return delegate.decode(inflate(bytes));
      default:
        throw new CodecException(
            String.format(
                "unknown %s frame header 0x%02x (expected 0x00 stored or 0x01 deflated)",
                id, bytes[0] & 0xff));
    }
  }

  /** Inflates the zlib stream after the header byte of {@code frame}, up to the limit. */
  private byte[] inflate(byte[] frame) {
    int limit = maxDecompressedBytes;
    int compressed = frame.length - 1;
    // Room for one byte beyond the limit, so that exceeding it is seen without allocating more.
    int cap = limit + 1;
    byte[] out = new byte[(int) Math.min(cap, Math.max(256L, 4L * compressed))];
    int length = 0;
    Inflater inflater = new Inflater();
    try {
      inflater.setInput(frame, 1, compressed);
      while (!inflater.finished()) {
        if (length == out.length) {
          if (out.length == cap) {
            throw tooLarge();
          }
          out = Arrays.copyOf(out, (int) Math.min(cap, 2L * out.length));
        }
        long read = inflater.getBytesRead();
        int n = inflater.inflate(out, length, out.length - length);
        length += n;
        if (length > limit) {
          throw tooLarge();
        }
        if (n == 0 && !inflater.finished()) {
          if (inflater.needsDictionary()) {
            throw new CodecException("corrupt " + id + " frame: stream needs a preset dictionary");
          }
          if (inflater.needsInput()) {
            throw new CodecException("truncated " + id + " frame: deflate stream ends early");
          }
          if (inflater.getBytesRead() == read) {
            throw new CodecException("corrupt " + id + " frame: deflate stream makes no progress");
          }
        }
      }
      if (inflater.getRemaining() > 0) {
        throw new CodecException(
            "corrupt " + id + " frame: " + inflater.getRemaining() + " bytes after the stream");
      }
    } catch (DataFormatException e) {
      throw new CodecException("corrupt " + id + " frame: " + e.getMessage(), e);
    } finally {
      inflater.end();
    }
    return length == out.length ? out : Arrays.copyOf(out, length);
  }

  private CodecException tooLarge() {
    return new CodecException(
        id + " frame holds more than maxDecompressedBytes (" + maxDecompressedBytes + ") bytes");
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public String toString() {
    return "Codec.compressed("
        + delegate
        + ", thresholdBytes="
        + thresholdBytes
        + ", maxDecompressedBytes="
        + maxDecompressedBytes
        + ")";
  }
}
