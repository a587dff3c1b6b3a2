/**
 * Spring Boot auto-configuration of Strata caches: add the starter, enable caching, set {@code
 * strata.cache.*} (and {@code spring.data.redis.*} for the Redis tier).
 */
@NullMarked
package io.strata.cache.spring.boot;

import org.jspecify.annotations.NullMarked;
