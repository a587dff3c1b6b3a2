/**
 * Codecs: values to bytes and back for tiers that store bytes (Redis, a disk). {@link
 * io.strata.cache.codec.Codec} is the SPI and the home of the built-in codecs ({@code bytes},
 * {@code utf8}, {@code json} bound to one type, and {@code compressed} around any of them); {@link
 * io.strata.cache.codec.CodecException} is the one signal that bytes could not be decoded.
 *
 * <p>Bytes read back are untrusted input, since a shared Redis is written by many processes. No
 * codec here uses Java serialization or Jackson default typing, and every decode is bounded by
 * documented limits ({@code Codec.DEFAULT_*}).
 *
 * <p><b>Design notes.</b> The compressing codec frames its output with a one-byte header instead of
 * guessing from magic numbers, so small values are stored raw at no cost and any reader can decode
 * any frame whatever its writer's threshold; unknown header values are a {@code CodecException},
 * which leaves room for other algorithms later. The {@code json} factories name Jackson types in
 * their signatures, which is safe for callers without Jackson because the JVM resolves those types
 * only when a factory is called; reflection over all of {@code Codec}'s methods (as some mocking
 * tools do) does need Jackson on the class path.
 *
 * <p>Everything here is public API; {@code io.strata.cache.codec.internal} is not.
 */
@NullMarked
package io.strata.cache.codec;

import org.jspecify.annotations.NullMarked;
