/**
 * Loading from an upstream HTTP API, with freshness from {@code Cache-Control}, revalidation and
 * retries. Being built; see the project's issues.
 */
@NullMarked
package io.strata.cache.http;

import org.jspecify.annotations.NullMarked;
