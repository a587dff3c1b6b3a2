package io.strata.cache.spring.boot.internal;

import io.strata.cache.spring.StrataCacheManager;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.cache.autoconfigure.CacheManagerCustomizer;
import org.springframework.boot.cache.autoconfigure.CacheManagerCustomizers;

/**
 * Applies Boot's own {@code CacheManagerCustomizer<StrataCacheManager>} beans, as Boot's cache
 * auto-configuration does for the managers it makes (it backs off for Strata's). Loaded only when
 * spring-boot-cache is on the class path.
 */
public final class BootCacheManagerCustomizers {

  private BootCacheManagerCustomizers() {}

  /** Returns whether Boot's customizer types are on the class path. */
  public static boolean present(ClassLoader classLoader) {
    try {
      Class.forName(
          "org.springframework.boot.cache.autoconfigure.CacheManagerCustomizers", false, classLoader);
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /**
   * Calls every {@code CacheManagerCustomizer} bean whose type argument accepts {@code manager},
   * in their order.
   */
  public static void apply(BeanFactory beanFactory, StrataCacheManager manager) {
    @SuppressWarnings({"unchecked", "rawtypes"})
    java.util.List<CacheManagerCustomizer<?>> customizers =
        (java.util.List) beanFactory.getBeanProvider(CacheManagerCustomizer.class).orderedStream().toList();
    new CacheManagerCustomizers(customizers).customize(manager);
  }
}
