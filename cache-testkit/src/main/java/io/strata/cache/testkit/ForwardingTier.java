package io.strata.cache.testkit;

import io.strata.cache.CacheEntry;
import io.strata.cache.CacheTier;
import io.strata.cache.TierHealth;
import io.strata.cache.TierLease;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A tier that forwards every call to another, so that a test can override the one call it needs
 * to hold, fail or observe (and a user can decorate a tier the same way). Thread-safe if the
 * delegate is.
 *
 * @param <K> the type of key
 * @param <V> the type of value
 */
public class ForwardingTier<K, V> implements CacheTier<K, V> {

  private final CacheTier<K, V> delegate;

  public ForwardingTier(CacheTier<K, V> delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public @Nullable CacheEntry<V> get(K key) {
    return delegate.get(key);
  }

  @Override
  public Map<K, CacheEntry<V>> getAll(Collection<? extends K> keys) {
    return delegate.getAll(keys);
  }

  @Override
  public void put(K key, CacheEntry<V> entry) {
    delegate.put(key, entry);
  }

  @Override
  public void putAll(Map<? extends K, CacheEntry<V>> entries) {
    delegate.putAll(entries);
  }

  @Override
  public Map<K, TierLease<V>> lease(Collection<? extends K> keys, boolean refresh) {
    return delegate.lease(keys, refresh);
  }

  @Override
  public Set<K> putLeased(
      Map<? extends K, CacheEntry<V>> entries, Map<? extends K, TierLease<V>> leases) {
    return delegate.putLeased(entries, leases);
  }

  @Override
  public void release(Map<? extends K, TierLease<V>> leases) {
    delegate.release(leases);
  }

  @Override
  public void invalidate(K key) {
    delegate.invalidate(key);
  }

  @Override
  public void invalidateAll() {
    delegate.invalidateAll();
  }

  @Override
  public TierHealth health() {
    return delegate.health();
  }

  @Override
  public long estimatedSize() {
    return delegate.estimatedSize();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
