/**
 * The implementation of {@code cache-metrics}. Not API: anything here may change without notice.
 * Use {@link io.strata.cache.metrics.StrataCacheMetrics}.
 */
@NullMarked
package io.strata.cache.metrics.internal;

import org.jspecify.annotations.NullMarked;
