/**
 * The implementation of {@code io.strata.cache.http}. Not an API: it may change without notice.
 */
@NullMarked
package io.strata.cache.http.internal;

import org.jspecify.annotations.NullMarked;
