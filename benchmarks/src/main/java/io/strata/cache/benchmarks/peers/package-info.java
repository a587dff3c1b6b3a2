/**
 * The libraries Strata is measured against, each behind the benchmarks' own small interfaces:
 * JetCache's remote cache and Redisson's {@code RLocalCachedMap}.
 */
@NullMarked
package io.strata.cache.benchmarks.peers;

import org.jspecify.annotations.NullMarked;
