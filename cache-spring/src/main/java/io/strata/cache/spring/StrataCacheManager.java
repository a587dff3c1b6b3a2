package io.strata.cache.spring;

import io.strata.cache.MultiLevelCache;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import org.jspecify.annotations.Nullable;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;

/**
 * A Spring {@link CacheManager} of {@link StrataCache}s, each over its own {@link
 * MultiLevelCache} built by a {@link StrataCacheSpec}.
 *
 * <pre>{@code
 * StrataCacheManager manager = StrataCacheManager.builder(
 *         name -> MultiLevelCache.<String, Object>builder(name).ttl(Duration.ofMinutes(10)))
 *     .cacheNames("books", "authors") // fixed names; without it, caches are made on demand
 *     .build();
 * }</pre>
 *
 * <p>Thread-safe: a cache is built once, by the first caller that asks for its name. {@link
 * #close()} (called by Spring when the context closes) closes every cache it built.
 */
public final class StrataCacheManager implements CacheManager, AutoCloseable {

  private final StrataCacheSpec spec;
  private final @Nullable Set<String> fixedNames;
  private final boolean allowNullValues;
  private final CacheKeyConverter keys;
  private final Executor executor;
  private final Map<String, StrataCache> caches = new ConcurrentHashMap<>();
  private volatile boolean closed;

  private StrataCacheManager(Builder builder) {
    this.spec = builder.spec;
    this.fixedNames =
        builder.fixedNames == null ? null : Collections.unmodifiableSet(builder.fixedNames);
    this.allowNullValues = builder.allowNullValues;
    this.keys = builder.keys;
    this.executor = builder.executor;
    if (fixedNames != null) {
      fixedNames.forEach(this::getCache); // built now: a bad spec fails at startup
    }
  }

  /** Starts a manager whose caches {@code spec} builds. */
  public static Builder builder(StrataCacheSpec spec) {
    return new Builder(spec);
  }

  /**
   * Returns the cache called {@code name}, building it on first use; null if the manager has fixed
   * names and {@code name} is not one of them.
   *
   * @throws IllegalStateException if the manager is closed
   * @throws IllegalArgumentException if the spec rejects the name or its settings
   */
  @Override
  public @Nullable Cache getCache(String name) {
    Objects.requireNonNull(name, "name");
    StrataCache cache = caches.get(name);
    if (cache != null) {
      return cache;
    }
    if (fixedNames != null && !fixedNames.contains(name)) {
      return null;
    }
    if (closed) {
      throw new IllegalStateException("StrataCacheManager is closed");
    }
    return caches.computeIfAbsent(name, this::create);
  }

  private StrataCache create(String name) {
    MultiLevelCache<String, Object> cache = spec.builder(name).build();
    return new StrataCache(cache, keys, allowNullValues, spec.nullValueTtl(name), executor);
  }

  /** Returns the names of the caches built so far (all of them, with fixed names). */
  @Override
  public Collection<String> getCacheNames() {
    return Collections.unmodifiableSet(new LinkedHashSet<>(caches.keySet()));
  }

  /** Returns whether null values are stored (as Spring's {@code NullValue}). */
  public boolean isAllowNullValues() {
    return allowNullValues;
  }

  /** Closes every cache built; idempotent. */
  @Override
  public void close() {
    closed = true;
    List<StrataCache> built = new ArrayList<>(caches.values());
    for (StrataCache cache : built) {
      cache.getNativeCache().close();
    }
  }

  /** Builds a {@link StrataCacheManager}; not thread-safe. */
  public static final class Builder {
    private final StrataCacheSpec spec;
    private @Nullable Set<String> fixedNames;
    private boolean allowNullValues = true;
    private CacheKeyConverter keys = CacheKeyConverter.canonical();
    private Executor executor = ForkJoinPool.commonPool();

    private Builder(StrataCacheSpec spec) {
      this.spec = Objects.requireNonNull(spec, "spec");
    }

    /**
     * Fixes the caches to {@code names}, built at once by {@link #build()}; any other name gets
     * no cache. Without it, a cache is built on first use of its name.
     */
    public Builder cacheNames(Collection<String> names) {
      Objects.requireNonNull(names, "names");
      if (fixedNames != null) {
        throw new IllegalStateException("cacheNames was already set to " + fixedNames);
      }
      Set<String> copy = new LinkedHashSet<>();
      for (String name : names) {
        copy.add(Objects.requireNonNull(name, "names contains null"));
      }
      this.fixedNames = copy;
      return this;
    }

    /** Same as {@link #cacheNames(Collection)}. */
    public Builder cacheNames(String... names) {
      return cacheNames(List.of(names));
    }

    /** Whether nulls are cached (default: true, as in Spring's own caches). */
    public Builder allowNullValues(boolean allow) {
      this.allowNullValues = allow;
      return this;
    }

    /** Sets how keys become strings (default {@link CacheKeyConverter#canonical()}). */
    public Builder keyConverter(CacheKeyConverter converter) {
      this.keys = Objects.requireNonNull(converter, "converter");
      return this;
    }

    /** Sets where {@code retrieve} reads and loads (default: the common fork-join pool). */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Returns the manager; with fixed names, builds their caches now.
     *
     * @throws IllegalArgumentException if the spec rejects a fixed name or its settings
     */
    public StrataCacheManager build() {
      return new StrataCacheManager(this);
    }
  }
}
