/**
 * The implementation of the cache-aside decorator. Not API: anything here may change without
 * notice. Use {@link io.strata.cache.aside.CacheAside}, {@link io.strata.cache.aside.CacheKeys} and
 * {@link io.strata.cache.aside.CachedFunction} instead.
 */
@NullMarked
package io.strata.cache.aside.internal;

import org.jspecify.annotations.NullMarked;
