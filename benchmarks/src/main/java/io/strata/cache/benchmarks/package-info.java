/**
 * JMH benchmarks of Strata beside its baselines ({@code *Benchmark}), what they share ({@link
 * io.strata.cache.benchmarks.Bench}, {@link io.strata.cache.benchmarks.RawLettuce}), and the
 * suite that runs them all and writes the README table ({@link
 * io.strata.cache.benchmarks.BenchmarkSuite}, {@link io.strata.cache.benchmarks.Report}). The
 * peers live in {@code peers}, the load scenarios that are not JMH in {@code scenarios}.
 */
@NullMarked
package io.strata.cache.benchmarks;

import org.jspecify.annotations.NullMarked;
