package io.strata.cache.benchmarks;

/**
 * Two instances of one library's near cache on one Redis, standing in for two service instances:
 * A writes, B holds a local copy and must drop it. Used to time invalidation propagation. Only
 * one key is in flight at a time; methods are called from one thread, the listener from the
 * library's own thread.
 */
public interface PropagationPair extends AutoCloseable {

  /** Reads {@code key} through B, which may keep it in B's local cache. */
  void readAtB(String key);

  /** Returns whether B's local cache holds {@code key} now (without reading Redis). */
  boolean heldAtB(String key);

  /** Writes {@code key} through A, returning once Redis acknowledged it. */
  void writeAtA(String key, byte[] value);

  /**
   * Registers {@code listener} to run on the thread that applies an invalidation in B, after B's
   * local copy is gone. Called once, before any write.
   */
  void onInvalidationAtB(Runnable listener);

  @Override
  void close();
}
