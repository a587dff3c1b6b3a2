/**
 * Implementations of the built-in codecs. Not API: anything here may change without notice. Never
 * reference these types from application code; use the factories on {@link
 * io.strata.cache.codec.Codec}.
 */
@NullMarked
package io.strata.cache.codec.internal;

import org.jspecify.annotations.NullMarked;
