/** Implementation of the Spring adapter; may change without notice. Not exported. */
@NullMarked
package io.strata.cache.spring.internal;

import org.jspecify.annotations.NullMarked;
