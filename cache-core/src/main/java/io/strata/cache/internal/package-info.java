/**
 * Strata's implementation. Not API: anything here may change without notice. Never reference these
 * types from application code; use the interfaces in {@code io.strata.cache}.
 *
 * <p>The engine, one protocol per class: {@code DefaultMultiLevelCache} (the API, local hits),
 * {@code ReadPath} (reads the local tier could not answer), {@code LoadCoordinator} (who loads a
 * key and who waits), {@code TierWalk} (reading the lower tiers), {@code LoaderCalls} (what a
 * loader's answer becomes), {@code FillGuard} (the only code that fills a tier from a read), {@code
 * WritePath} (puts, invalidations, flushes), {@code TierSink} (events from a lower tier), {@code
 * EntryFactory} (durations into deadlines).
 */
@NullMarked
package io.strata.cache.internal;

import org.jspecify.annotations.NullMarked;
