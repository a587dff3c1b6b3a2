package io.strata.cache.examples.repository;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The implementation with no caching in it: every call waits {@code latency}, as a query or a
 * remote call would, and is counted. Thread-safe.
 */
public final class SlowLocalInfoRepository implements LocalInfoRepository {

  private final Map<String, LocalInfo> rows = new ConcurrentHashMap<>();
  private final Duration latency;
  private final AtomicInteger calls = new AtomicInteger();

  /** Creates a repository holding a few places, answering after {@code latency}. */
  public SlowLocalInfoRepository(Duration latency) {
    this.latency = latency;
    rows.put("lisboa", new LocalInfo("Lisboa", "Lisboa", 545_796));
    rows.put("porto", new LocalInfo("Porto", "Norte", 231_800));
    rows.put("recife", new LocalInfo("Recife", "Pernambuco", 1_488_920));
  }

  @Override
  public @Nullable LocalInfo find(String name) {
    calls.incrementAndGet();
    pause();
    return rows.get(name);
  }

  @Override
  public void update(String name, LocalInfo info) {
    calls.incrementAndGet();
    pause();
    rows.put(name, info);
  }

  /** Returns how many calls reached this repository. */
  public int calls() {
    return calls.get();
  }

  private void pause() {
    try {
      Thread.sleep(latency.toMillis()); // stands for the database
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
