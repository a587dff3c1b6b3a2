/**
 * Strata's implementation. Not API: anything here may change without notice. Never reference these
 * types from application code; use the interfaces in {@code io.strata.cache}.
 */
@NullMarked
package io.strata.cache.internal;

import org.jspecify.annotations.NullMarked;
