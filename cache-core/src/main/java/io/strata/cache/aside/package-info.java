/**
 * The cache-aside decorator: serve an interface's methods through a {@link
 * io.strata.cache.MultiLevelCache} by annotating them ({@link io.strata.cache.aside.Cached}, {@link
 * io.strata.cache.aside.CacheEvict}) and wrapping the implementation with {@link
 * io.strata.cache.aside.CacheAside}; or wrap a plain function with {@link
 * io.strata.cache.aside.CachedFunction}. Keys are deterministic across JVMs ({@link
 * io.strata.cache.aside.CacheKeys}), so instances that share a remote tier share entries.
 *
 * <p>Design: like Retrofit's {@code create}, the interface is read once when the proxy is built;
 * every annotation is checked then (so a typo in a cache name or TTL fails at startup, not on the
 * first call), and each method becomes a handler that a call only runs. Keys never use {@code
 * hashCode}: an enum's or record's hash changes from run to run, and a shared Redis outlives runs.
 *
 * <p>Types are null-marked: a parameter or return value may be null only where it is annotated
 * {@code @Nullable}.
 */
@NullMarked
package io.strata.cache.aside;

import org.jspecify.annotations.NullMarked;
