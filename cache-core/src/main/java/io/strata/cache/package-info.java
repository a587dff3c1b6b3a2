/**
 * Strata: a multi-level cache. An in-process tier over any number of lower tiers (Redis, a disk, a
 * database) over the source of truth, behind one {@link io.strata.cache.MultiLevelCache}.
 *
 * <p>Everything in this package is public API; {@code io.strata.cache.internal} is not and may
 * change without notice. Types are null-marked: a parameter or return value may be null only
 * where it is annotated {@code @Nullable}.
 */
@NullMarked
package io.strata.cache;

import org.jspecify.annotations.NullMarked;
