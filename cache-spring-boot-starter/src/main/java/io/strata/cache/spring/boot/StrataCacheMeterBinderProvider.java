package io.strata.cache.spring.boot;

import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.strata.cache.metrics.StrataCacheMetrics;
import io.strata.cache.spring.StrataCache;
import org.springframework.boot.cache.metrics.CacheMeterBinderProvider;

/**
 * Lets Boot's cache metrics ({@code cache.gets}, {@code cache.puts}, ... tagged {@code cache} and
 * {@code cache.manager}) cover Strata caches, through cache-metrics' {@link StrataCacheMetrics},
 * which adds the per-tier meters. As for every cache manager, Boot binds the caches that exist at
 * startup: list them in {@code strata.cache.cache-names} (or {@code strata.cache.caches}).
 */
public final class StrataCacheMeterBinderProvider implements CacheMeterBinderProvider<StrataCache> {

  /** Creates the provider; the auto-configuration makes one. */
  public StrataCacheMeterBinderProvider() {}


  @Override
  public MeterBinder getMeterBinder(StrataCache cache, Iterable<Tag> tags) {
    return new StrataCacheMetrics<>(cache.getNativeCache(), cache.getName(), tags);
  }
}
