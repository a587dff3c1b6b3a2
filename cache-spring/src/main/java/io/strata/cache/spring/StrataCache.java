package io.strata.cache.spring;

import io.strata.cache.Loaded;
import io.strata.cache.Loader;
import io.strata.cache.MultiLevelCache;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.cache.support.AbstractValueAdaptingCache;
import org.springframework.cache.support.NullValue;
import org.springframework.cache.support.SimpleValueWrapper;

/**
 * A Spring {@link org.springframework.cache.Cache} over a {@link MultiLevelCache}: what
 * {@code @Cacheable}, {@code @CachePut} and {@code @CacheEvict} read and write.
 *
 * <p><b>Keys.</b> Spring's keys (a method argument, a {@code SimpleKey} of several) are turned into
 * strings by a {@link CacheKeyConverter}, the same in every JVM, so that instances sharing a Redis
 * tier agree on them.
 *
 * <p><b>Null values.</b> With {@code allowNullValues}, a null is stored as Spring's {@link
 * NullValue} marker, for {@code nullValueTtl} if one is given (the cache's TTL otherwise); a tier
 * that stores bytes needs a codec that knows the marker ({@link NullValueCodec}). Without it, {@link
 * #put} of null throws {@link IllegalArgumentException}, and a {@link #get(Object, Callable)} whose
 * loader returns null returns null and stores nothing.
 *
 * <p><b>Loads.</b> {@link #get(Object, Callable)} and {@link #retrieve(Object, Supplier)} are
 * coalesced per key by the cache: however many threads miss the same key at once, the loader runs
 * once and they all get its result (this is {@code @Cacheable(sync = true)}), without locking the
 * rest of the cache. A loader's exception reaches every waiter as a {@link ValueRetrievalException}
 * for {@code get} and unchanged for {@code retrieve}.
 *
 * <p>Thread-safe. A failing lower tier (Redis down) never throws from here: reads skip it.
 */
public final class StrataCache extends AbstractValueAdaptingCache {

  private final MultiLevelCache<String, Object> cache;
  private final CacheKeyConverter keys;
  private final @Nullable Duration nullValueTtl;
  private final Executor executor;

  /**
   * Creates an adapter of {@code cache}.
   *
   * @param nullValueTtl how long a null is remembered, or null for the cache's TTL
   * @param executor where {@link #retrieve} runs its reads and loads
   * @throws IllegalArgumentException if {@code nullValueTtl} is not positive
   */
  public StrataCache(
      MultiLevelCache<String, Object> cache,
      CacheKeyConverter keys,
      boolean allowNullValues,
      @Nullable Duration nullValueTtl,
      Executor executor) {
    super(allowNullValues);
    this.cache = Objects.requireNonNull(cache, "cache");
    this.keys = Objects.requireNonNull(keys, "keys");
    this.executor = Objects.requireNonNull(executor, "executor");
    if (nullValueTtl != null && (nullValueTtl.isNegative() || nullValueTtl.isZero())) {
      throw new IllegalArgumentException("nullValueTtl must be positive, but was " + nullValueTtl);
    }
    this.nullValueTtl = nullValueTtl;
  }

  @Override
  public String getName() {
    return cache.name();
  }

  /** Returns the {@link MultiLevelCache} this adapter reads and writes. */
  @Override
  public MultiLevelCache<String, Object> getNativeCache() {
    return cache;
  }

  /** Returns the text key {@code key} is stored under. */
  public String textKey(Object key) {
    Objects.requireNonNull(key, "key");
    return keys.toText(key);
  }

  @Override
  protected @Nullable Object lookup(Object key) {
    return cache.getIfPresent(textKey(key));
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> @Nullable T get(Object key, Callable<T> valueLoader) {
    Objects.requireNonNull(valueLoader, "valueLoader");
    Object stored;
    try {
      stored = cache.get(textKey(key), loaderOf(key, valueLoader));
    } catch (CompletionException e) {
      // A checked exception of the loader, wrapped by the cache.
      throw new ValueRetrievalException(key, valueLoader, e.getCause() == null ? e : e.getCause());
    }
    return (T) fromStoreValue(stored);
  }

  private <T> Loader<String, Object> loaderOf(Object key, Callable<T> valueLoader) {
    return new EntryLoader() {
      @Override
      Loaded<Object> entry() {
        T value;
        try {
          value = valueLoader.call();
        } catch (Exception e) {
          throw new ValueRetrievalException(key, valueLoader, e);
        }
        return storable(value);
      }
    };
  }

  /** What a load stores: the value, the null marker with its TTL, or nothing. */
  private Loaded<Object> storable(@Nullable Object value) {
    if (value != null) {
      return Loaded.of(value);
    }
    return isAllowNullValues() ? nullMarker() : Loaded.notFound();
  }

  private Loaded<Object> nullMarker() {
    Loaded.Builder<Object> marker = Loaded.builder(NullValue.INSTANCE);
    if (nullValueTtl != null) {
      marker.ttl(nullValueTtl);
    }
    return marker.build();
  }

  /** A loader of one entry with its hints, the way every load of this adapter is made. */
  private abstract static class EntryLoader implements Loader<String, Object> {
    abstract Loaded<Object> entry() throws Exception;

    @Override
    public @Nullable Object load(String key) throws Exception {
      return entry().value();
    }

    @Override
    public Loaded<Object> loadEntry(String key) throws Exception {
      return entry();
    }
  }

  @Override
  public @Nullable CompletableFuture<?> retrieve(Object key) {
    String text = textKey(key);
    return CompletableFuture.supplyAsync(
        () -> {
          Object stored = cache.getIfPresent(text);
          if (stored == null) {
            return null;
          }
          return isAllowNullValues()
              ? new SimpleValueWrapper(fromStoreValue(stored))
              : fromStoreValue(stored);
        },
        executor);
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> CompletableFuture<T> retrieve(
      Object key, Supplier<CompletableFuture<T>> valueLoader) {
    Objects.requireNonNull(valueLoader, "valueLoader");
    String text = textKey(key);
    Loader<String, Object> loader =
        new EntryLoader() {
          @Override
          Loaded<Object> entry() throws Exception {
            T value;
            try {
              value = valueLoader.get().get();
            } catch (ExecutionException e) {
              throw rethrowable(e.getCause() == null ? e : e.getCause());
            }
            return storable(value);
          }
        };
    CompletableFuture<T> result = new CompletableFuture<>();
    executor.execute(
        () -> {
          try {
            result.complete((T) fromStoreValue(cache.get(text, loader)));
          } catch (CompletionException e) {
            result.completeExceptionally(e.getCause() == null ? e : e.getCause());
          } catch (Throwable t) {
            result.completeExceptionally(t);
          }
        });
    return result;
  }

  private static Exception rethrowable(Throwable cause) {
    if (cause instanceof Exception e) {
      return e;
    }
    if (cause instanceof Error error) {
      throw error;
    }
    return new CompletionException(cause);
  }

  @Override
  public void put(Object key, @Nullable Object value) {
    String text = textKey(key);
    Object stored = toStoreValue(value);
    if (stored == NullValue.INSTANCE && nullValueTtl != null) {
      cache.put(text, stored, nullValueTtl);
    } else {
      cache.put(text, stored);
    }
  }

  /**
   * Stores {@code value} unless the key has one, atomically within this process: the check and the
   * store are one coalesced load of the key, so two callers racing here never both store. Across
   * processes sharing a lower tier it is not atomic.
   */
  @Override
  public @Nullable ValueWrapper putIfAbsent(Object key, @Nullable Object value) {
    Object toStore = toStoreValue(value);
    boolean[] stored = {false};
    Object current =
        cache.get(
            textKey(key),
            new EntryLoader() {
              @Override
              Loaded<Object> entry() {
                stored[0] = true;
                return toStore == NullValue.INSTANCE ? nullMarker() : Loaded.of(toStore);
              }
            });
    return stored[0] ? null : toValueWrapper(current);
  }

  @Override
  public void evict(Object key) {
    cache.invalidate(textKey(key));
  }

  /**
   * Evicts {@code key} and says whether some tier had it just before; the check and the eviction
   * are two steps, so a concurrent writer may slip between them.
   */
  @Override
  public boolean evictIfPresent(Object key) {
    String text = textKey(key);
    boolean present = cache.getIfPresent(text) != null;
    cache.invalidate(text);
    return present;
  }

  @Override
  public void clear() {
    cache.invalidateAll();
  }

  /**
   * Removes every entry from every tier at once ({@link MultiLevelCache#invalidateAll()}).
   *
   * @return whether the local tier had entries before
   */
  @Override
  public boolean invalidate() {
    boolean had = cache.advanced().estimatedLocalSize() > 0;
    cache.invalidateAll();
    return had;
  }

  @Override
  public String toString() {
    return "StrataCache[" + cache.name() + "]";
  }
}
