package io.strata.cache.testkit;

import io.strata.cache.CacheEntry;
import io.strata.cache.CacheTier;
import io.strata.cache.InvalidationSink;
import io.strata.cache.TierContext;
import io.strata.cache.TierFactory;
import io.strata.cache.TierHealth;
import io.strata.cache.TierLease;
import io.strata.cache.codec.Codec;
import io.strata.cache.codec.CodecException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * timing for a writer that wants to keep its own copy, unless a test holds them back ({@link
 * Store#holdAnnouncements}), as a slow or cut tracking connection would. Loads take leases as the
 * Redis tier does ({@link TierLease}: one per key, held for {@link #LEASE}, removed by every change
 * of the key, checked atomically by {@link #putLeased}); a lease never waits. Faults can be switched
 * on. Thread-safe.
 *
 * @param <V> the type of value
 */
public final class InMemoryTier<V> implements CacheTier<String, V> {

  /** How long a lease lives, on the caches' ticker. */
  public static final Duration LEASE = Duration.ofSeconds(30);

  /** The shared storage: what a Redis server is to its clients. */
  public static final class Store {
    final Map<String, Stored> entries = new ConcurrentHashMap<>();
    final Map<String, Lease> leases = new ConcurrentHashMap<>();
    final AtomicInteger tokens = new AtomicInteger();
    private final List<Runnable> heldAnnouncements = new ArrayList<>();
    private boolean holding;
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

    /** Returns the number of leases taken and not yet used, given back or expired by a change. */
    public int leases() {
      return leases.size();
    }

    /** Queues announcements of changes instead of delivering them, as a held tracking push would. */
    public synchronized void holdAnnouncements() {
      holding = true;
    }

    /** Delivers the queued announcements, in order, and stops holding. */
    public void releaseAnnouncements() {
      List<Runnable> queued;
      synchronized (this) {
        holding = false;
        queued = new ArrayList<>(heldAnnouncements);
        heldAnnouncements.clear();
      }
      queued.forEach(Runnable::run);
    }

    void deliver(Runnable announcement) {
      synchronized (this) {
        if (holding) {
          heldAnnouncements.add(announcement);
          return;
        }
      }
      announcement.run();
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

  record Lease(String token, long until) {}

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
    synchronized (store) {
      store.leases.remove(prefix + key);
      store(key, entry);
    }
    announce(key);
  }

  private void store(String key, CacheEntry<V> entry) {
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
  }

  @Override
  public Map<String, TierLease<V>> lease(Collection<? extends String> keys, boolean refresh) {
    fault();
    long now = context.ticker().read();
    Map<String, TierLease<V>> answers = new HashMap<>();
    synchronized (store) {
      for (String key : keys) {
        CacheEntry<V> stored = refresh ? null : read(key);
        if (stored != null && stored.isFresh(now)) {
          answers.put(key, TierLease.found(stored)); // stored since the load's read
          continue;
        }
        Lease held = store.leases.get(prefix + key);
        if (held != null && held.until - now > 0) {
          answers.put(key, TierLease.shared(held.token));
        } else {
          String token = "lease-" + store.tokens.incrementAndGet();
          store.leases.put(prefix + key, new Lease(token, now + LEASE.toNanos()));
          answers.put(key, TierLease.held(token));
        }
      }
    }
    return answers;
  }

  @Override
  public Set<String> putLeased(
      Map<? extends String, CacheEntry<V>> entries, Map<? extends String, TierLease<V>> leases) {
    fault();
    store.writes.incrementAndGet();
    long now = context.ticker().read();
    Set<String> refused = new HashSet<>();
    List<String> stored = new ArrayList<>();
    synchronized (store) {
      entries.forEach(
          (key, entry) -> {
            TierLease<V> lease = leases.get(key);
            if (lease != null && lease.token() != null) {
              Lease held = store.leases.get(prefix + key);
              if (held == null || !held.token.equals(lease.token()) || held.until - now <= 0) {
                refused.add(key);
                return;
              }
            }
            store.leases.remove(prefix + key);
            store(key, entry);
            stored.add(key);
          });
    }
    stored.forEach(this::announce);
    return refused;
  }

  @Override
  public void release(Map<? extends String, TierLease<V>> leases) {
    fault();
    synchronized (store) {
      leases.forEach(
          (key, lease) -> {
            Lease held = store.leases.get(prefix + key);
            if (lease.isHeld() && held != null && held.token.equals(lease.token())) {
              store.leases.remove(prefix + key);
            }
          });
    }
  }

  @Override
  public void invalidate(String key) {
    fault();
    synchronized (store) {
      store.entries.remove(prefix + key);
      store.leases.remove(prefix + key);
    }
    announce(key);
  }

  @Override
  public void invalidateAll() {
    fault();
    synchronized (store) {
      store.entries.keySet().removeIf(k -> k.startsWith(prefix));
      store.leases.keySet().removeIf(k -> k.startsWith(prefix));
    }
    for (InMemoryTier<?> other : store.tiers) {
      if ((other != this || echo == Echo.ALL) && other.prefix.equals(prefix)) {
        store.deliver(() -> other.sink().invalidateAll("flushall"));
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
        store.deliver(() -> other.sink().invalidate(List.of(key)));
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
