package io.strata.cache.benchmarks;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A remote cache of {@code byte[]} values under {@code String} keys, the way one library does it:
 * Strata, or a peer measured beside it. Every entry written carries the time to live the
 * implementation was created with. Implementations are thread-safe.
 */
public interface RemoteBytesCache extends AutoCloseable {

  /** Returns the value stored under {@code key}, read from Redis (never a local copy), or null. */
  byte @Nullable [] get(String key);

  /** Stores {@code value} under {@code key}, returning once Redis acknowledged it. */
  void put(String key, byte[] value);

  /** Stores every entry, batched the way the library batches, returning once all are stored. */
  void putAll(Map<String, byte[]> values);

  @Override
  void close();
}
