package io.strata.cache;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A tier's answer to {@link CacheTier#lease}: what a load needs to store the value it fetches in
 * that tier, and nothing if the key changed meanwhile. A tier shared by several instances keeps a
 * token per key a load is under way for; any change of the key (an invalidation, a put, a load's
 * store) removes it, and {@link CacheTier#putLeased} stores only under a token still there. So a
 * load that read the source before a change of its key, made on any instance, never writes its
 * older value back (the leases of "Scaling Memcache at Facebook", NSDI 2013). Immutable and
 * thread-safe.
 *
 * @param <V> the type of value
 */
public final class TierLease<V> {

  private final @Nullable String token;
  private final boolean held;
  private final @Nullable CacheEntry<V> entry;

  private TierLease(@Nullable String token, boolean held, @Nullable CacheEntry<V> entry) {
    this.token = token;
    this.held = held;
    this.entry = entry;
  }

  /** This load took the lease: it loads the key, and gives the lease back if it stores nothing. */
  public static <V> TierLease<V> held(String token) {
    return new TierLease<>(Objects.requireNonNull(token, "token"), true, null);
  }

  /**
   * Another load (usually on another instance) holds the lease: this load may store under the
   * same token, first come first served, but must not give it back. A refresh in the background
   * leaves the key to the holder.
   */
  public static <V> TierLease<V> shared(String token) {
    return new TierLease<>(Objects.requireNonNull(token, "token"), false, null);
  }

  /**
   * The key holds a fresh entry, stored since the load's read (by another instance's load, or a
   * put) or while it waited for the holder: {@code entry} is the answer, and nothing is loaded.
   */
  public static <V> TierLease<V> found(CacheEntry<V> entry) {
    return new TierLease<>(null, false, Objects.requireNonNull(entry, "entry"));
  }

  /** Returns the token a store must present, or null for {@link #found}. */
  public @Nullable String token() {
    return token;
  }

  /** Returns whether this load took the lease (and must give it back if it stores nothing). */
  public boolean isHeld() {
    return held;
  }

  /** Returns the entry found while waiting, or null if the key must be loaded. */
  public @Nullable CacheEntry<V> entry() {
    return entry;
  }

  @Override
  public String toString() {
    return entry != null
        ? "TierLease{found}"
        : "TierLease{" + (held ? "held" : "shared") + ", token=" + token + '}';
  }
}
