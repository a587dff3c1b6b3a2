/**
 * A {@link io.strata.cache.Loader} for an upstream HTTP API: {@link HttpLoader} turns a key into a
 * GET on a fixed base URI (through a {@link KeyTemplate}, never by string concatenation), takes
 * the value's lifetime from {@code Cache-Control}/{@code Expires}/{@code Age}, revalidates with
 * {@code ETag}/{@code Last-Modified}, retries with backoff and bounds what it reads. Options live
 * in the immutable {@link HttpLoaderOptions}; values are {@link HttpValue}s, which have a codec for
 * byte tiers such as Redis.
 *
 * <p>Design notes. The loader, not the cache's {@code TtlPolicy}, decides each value's lifetime
 * (it returns an exact TTL), because the cache's default policy ignores hints and would keep a
 * {@code max-age=5} response for five minutes; {@link HttpLoaderOptions#defaultTtl()}, {@link
 * HttpLoaderOptions#minimumTtl()} and {@link HttpLoaderOptions#maximumTtl()} are that policy.
 * Age is taken from the {@code Age} header only, not from our clock minus the origin's {@code
 * Date}: {@code Date} has one-second resolution and the origin's clock is not ours, so the
 * RFC 9111 "apparent age" would shave up to a second (or, with skew, everything) off every
 * lifetime of a directly connected upstream.
 */
@NullMarked
package io.strata.cache.http;

import org.jspecify.annotations.NullMarked;
