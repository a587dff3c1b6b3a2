/** Implementation of the Spring Boot starter; may change without notice. Not exported. */
@NullMarked
package io.strata.cache.spring.boot.internal;

import org.jspecify.annotations.NullMarked;
