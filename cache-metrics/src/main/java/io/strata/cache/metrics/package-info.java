/**
 * Micrometer binding for Strata caches: {@link io.strata.cache.metrics.StrataCacheMetrics}. The
 * meters are named as Micrometer's own cache binders name theirs, so a Strata cache sits beside
 * Caffeine- or Spring-bound caches in one registry; per-tier detail has names of its own. The
 * module README lists every meter.
 *
 * <p>Everything in this package is public API; {@code io.strata.cache.metrics.internal} is not.
 */
@NullMarked
package io.strata.cache.metrics;

import org.jspecify.annotations.NullMarked;
