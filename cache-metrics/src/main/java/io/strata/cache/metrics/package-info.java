/**
 * Micrometer binding for Strata caches, named as Micrometer's own cache binders name their
 * meters. Being built; see the project's issues.
 */
@NullMarked
package io.strata.cache.metrics;

import org.jspecify.annotations.NullMarked;
