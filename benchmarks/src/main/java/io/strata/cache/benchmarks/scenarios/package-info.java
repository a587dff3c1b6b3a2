/**
 * Load scenarios timed outside JMH because they are about many callers or two instances at once:
 * a cold key under 1,000 concurrent callers, and invalidation propagation between instances; and
 * the hit ratio of two instances on a mixed workload, a count rather than a timing.
 */
@NullMarked
package io.strata.cache.benchmarks.scenarios;

import org.jspecify.annotations.NullMarked;
