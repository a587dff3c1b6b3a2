package io.strata.cache.testkit;

import io.strata.cache.CacheEntry;
import io.strata.cache.CacheTier;
import io.strata.cache.InvalidationSink;
import io.strata.cache.TierContext;
import io.strata.cache.TierFactory;
import io.strata.cache.TierHealth;
import io.strata.cache.codec.Codec;
import io.strata.cache.codec.CodecException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * A lower tier that stores encoded bytes in a map shared between caches, the way a Redis would:
 * values pass through a {@link Codec}, lifetimes are stored relative to the writer's clock, and
 * two caches built on one {@link Store} behave like two service instances on one Redis. Every
 * write and deletion is announced as an invalidation to every cache of the same name on the store,
 * the writer included, as Redis announces it to a tracking connection other than the writer's;
 * {@link Echo#OTHERS_ONLY} announces it to the others only, as {@code NOLOOP} on the writer's own
 * connection would. Announcements are delivered synchronously, inside the write: the harshest
 * timing for a writer that wants to keep its own copy. Faults can be switched on. Thread-safe.
 *
 * @param <V> the type of value
 */
public final class InMemoryTier<V> implements CacheTier<String, V> {

  /** The shared storage: what a Redis server is to its clients. */
  public static final class Store {
    final Map<String, Stored> entries = new ConcurrentHashMap<>();
    final List<InMemoryTier<?>> tiers = new java.util.concurrent.CopyOnWriteArrayList<>();
    final AtomicInteger reads = new AtomicInteger();
    final AtomicInteger writes = new AtomicInteger();
    final AtomicReference<@Nullable RuntimeException> failure = new AtomicReference<>();

    /** Makes every operation of every tier on this store throw {@code failure}, or none if null. */
    public void failWith(@Nullable RuntimeException failure) {
      this.failure.set(failure);
    }

    /** Returns the number of get and getAll calls so far (a getAll counts once). */
    public int reads() {
      return reads.get();
    }

    /** Returns the number of put and putAll calls so far. */
    public int writes() {
      return writes.get();
    }

    /** Returns the number of keys stored, expired or not. */
    public int size() {
      return entries.size();
    }

    /** Overwrites the bytes stored under {@code key}, as a corrupting writer would. */
    public void corrupt(String key, byte[] bytes) {
      entries.computeIfPresent(key, (k, stored) -> stored.withBytes(bytes));
    }
  }

  /** Which caches hear of a write. */
  public enum Echo {
    /** Every cache of the name, the writer included: what Redis client-side caching does. */
    ALL,
    /** Every cache of the name but the writer: Redis's {@code NOLOOP} on the writer's connection. */
    OTHERS_ONLY
  }

  record Stored(
      byte @Nullable [] bytes,
      long retainUntil,
      long createdAt,
      long expiresAt,
      long swrUntil,
      long sieUntil,
      long revalidateUntil,
      long loadNanos,
      @Nullable String contentType,
      @Nullable String etag,
      @Nullable String lastModified) {
    Stored withBytes(byte[] newBytes) {
      return new Stored(
          newBytes, retainUntil, createdAt, expiresAt, swrUntil, sieUntil, revalidateUntil,
          loadNanos, contentType, etag, lastModified);
    }
  }

  private final String name;
  private final Store store;
  private final Codec<V> codec;
  private final TierContext<String> context;
  private final String prefix;
  private final Echo echo;

  private InMemoryTier(
      String name, Store store, Codec<V> codec, Echo echo, TierContext<String> context) {
    this.name = name;
    this.store = store;
    this.codec = codec;
    this.echo = echo;
    this.context = context;
    this.prefix = context.cacheName() + ":";
    store.tiers.add(this);
  }

  /** Returns a factory of tiers named {@code name} on {@code store} that echo every write. */
  public static <V> TierFactory<String, V> factory(String name, Store store, Codec<V> codec) {
    return factory(name, store, codec, Echo.ALL);
  }

  /** Returns a factory of tiers named {@code name} on {@code store}, announcing as {@code echo} says. */
  public static <V> TierFactory<String, V> factory(
      String name, Store store, Codec<V> codec, Echo echo) {
    return context -> new InMemoryTier<>(name, store, codec, echo, context);
  }

  /** Returns the sink of the cache this tier belongs to, so a test can deliver events. */
  public InvalidationSink<String> sink() {
    return context.invalidations();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public @Nullable CacheEntry<V> get(String key) {
    fault();
    store.reads.incrementAndGet();
    return read(key);
  }

  @Override
  public Map<String, CacheEntry<V>> getAll(java.util.Collection<? extends String> keys) {
    fault();
    store.reads.incrementAndGet();
    Map<String, CacheEntry<V>> found = new java.util.HashMap<>();
    for (String key : keys) {
      CacheEntry<V> entry = read(key);
      if (entry != null) {
        found.put(key, entry);
      }
    }
    return found;
  }

  private @Nullable CacheEntry<V> read(String key) {
    Stored stored = store.entries.get(prefix + key);
    long now = context.ticker().read();
    if (stored == null) {
      return null;
    }
    if (stored.retainUntil - now <= 0) {
      store.entries.remove(prefix + key, stored);
      return null;
    }
    try {
      CacheEntry.Builder<V> builder =
          stored.bytes == null
              ? CacheEntry.negative(stored.createdAt, stored.expiresAt)
              : CacheEntry.builder(codec.decode(stored.bytes), stored.createdAt, stored.expiresAt);
      return builder
          .staleWhileRevalidateUntil(stored.swrUntil)
          .staleIfErrorUntil(stored.sieUntil)
          .revalidateUntil(stored.revalidateUntil)
          .loadNanos(stored.loadNanos)
          .contentType(stored.contentType)
          .etag(stored.etag)
          .lastModified(stored.lastModified)
          .build();
    } catch (CodecException e) {
      store.entries.remove(prefix + key, stored);
      context.observer().decodeError(name);
      return null;
    }
  }

  @Override
  public void put(String key, CacheEntry<V> entry) {
    fault();
    store.writes.incrementAndGet();
    V value = entry.value();
    store.entries.put(
        prefix + key,
        new Stored(
            value == null ? null : codec.encode(value),
            entry.retainUntil(),
            entry.createdAt(),
            entry.expiresAt(),
            entry.staleWhileRevalidateUntil(),
            entry.staleIfErrorUntil(),
            entry.revalidateUntil(),
            entry.loadNanos(),
            entry.contentType(),
            entry.etag(),
            entry.lastModified()));
    announce(key);
  }

  @Override
  public void invalidate(String key) {
    fault();
    store.entries.remove(prefix + key);
    announce(key);
  }

  @Override
  public void invalidateAll() {
    fault();
    store.entries.keySet().removeIf(k -> k.startsWith(prefix));
    for (InMemoryTier<?> other : store.tiers) {
      if ((other != this || echo == Echo.ALL) && other.prefix.equals(prefix)) {
        other.sink().invalidateAll("flushall");
      }
    }
  }

  @Override
  public TierHealth health() {
    return store.failure.get() == null ? TierHealth.up() : TierHealth.down("failing on purpose");
  }

  @Override
  public long estimatedSize() {
    return store.entries.keySet().stream().filter(k -> k.startsWith(prefix)).count();
  }

  @Override
  public void close() {
    store.tiers.remove(this);
  }

  /** Tells the caches of this name on the store that {@code key} changed; see {@link Echo}. */
  private void announce(String key) {
    for (InMemoryTier<?> other : store.tiers) {
      if ((other != this || echo == Echo.ALL) && other.prefix.equals(prefix)) {
        other.sink().invalidate(List.of(key));
      }
    }
  }

  private void fault() {
    RuntimeException failure = store.failure.get();
    if (failure != null) {
      throw failure;
    }
  }
}
