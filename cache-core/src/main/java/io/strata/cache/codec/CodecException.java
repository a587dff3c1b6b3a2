package io.strata.cache.codec;

/**
 * Thrown by {@link Codec#decode(byte[])} when bytes cannot be turned back into a value: they are
 * corrupt or truncated, were written by a different codec or for a different type, exceed a size or
 * structure limit, or are hostile. It is the one signal a tier catches to treat an entry as a miss
 * (and to delete and count it); every built-in codec reports every decode failure with it, never
 * with another exception type.
 *
 * <p>It is unchecked because a decode failure is not something the caller of a cache can act on:
 * the tier that read the bytes handles it, and a checked exception would only force every other
 * layer to wrap it. Custom codecs should throw it too, with the underlying exception as the cause.
 *
 * <p>Messages say what failed; they may quote a short excerpt of a parser's complaint, which can
 * include a token taken from the bytes, so treat them as untrusted text when logging.
 *
 * @since 0.1.0
 */
public final class CodecException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception with the given message.
   *
   * @param message what could not be decoded and why
   */
  public CodecException(String message) {
    super(message);
  }

  /**
   * Creates an exception with the given message and cause.
   *
   * @param message what could not be decoded and why
   * @param cause the underlying failure (a parser's exception, a {@code DataFormatException})
   */
  public CodecException(String message, Throwable cause) {
    super(message, cause);
  }
}
