package io.strata.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.codec.Codec;
import io.strata.cache.testkit.FakeTicker;
import io.strata.cache.testkit.InMemoryTier;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Synchronous calls do their work on the caller's thread: a remote hit, a load, a write and the
 * local tier's upkeep hand nothing to the cache's executor, whose hand-off (waking a pool thread)
 * would cost a remote hit more than its round trip.
 */
class CallerThreadTest {

  private final FakeTicker ticker = new FakeTicker();
  private final AtomicInteger handedOff = new AtomicInteger();
  private final Executor counting =
      task -> {
        handedOff.incrementAndGet();
        task.run();
      };

  @Test
  void synchronousReadsWritesAndLocalUpkeep_handNothingToTheExecutor() {
    InMemoryTier.Store store = new InMemoryTier.Store();
    try (MultiLevelCache<String, String> cache =
        MultiLevelCache.<String, String>builder("caller")
            .ticker(ticker)
            .executor(counting)
            .ttl(Duration.ofMinutes(10))
            .localTtl(Duration.ofSeconds(1))
            .maximumSize(10)
            .localAdmissionAfterReads(2)
            .tier(InMemoryTier.factory("shared", store, Codec.utf8()))
            .loader(key -> "loaded " + key)
            .build()) {
      for (int i = 0; i < 100; i++) {
        String key = "k" + i;
        cache.put(key, "v" + i); // a write: the local tier evicts past 10 entries
        cache.get(key); // a local hit, or a hit below once evicted
        ticker.advance(Duration.ofSeconds(2)); // the local copy expires
        assertThat(cache.get(key)).isEqualTo("v" + i); // a remote hit, promoted
        assertThat(cache.get("absent" + i)).isEqualTo("loaded absent" + i); // a load
        cache.getAll(List.of(key, "absent" + i, "other" + i));
        cache.invalidate(key);
      }
      assertThat(cache.stats().evictionCount()).as("local evictions").isPositive();
    }

    assertThat(handedOff).as("tasks handed to the executor").hasValue(0);
  }

  @Test
  void theLocalTierEvicts_beforeTheWriteReturns() {
    try (MultiLevelCache<String, String> cache =
        MultiLevelCache.<String, String>builder("bounded")
            .ticker(ticker)
            .executor(counting)
            .maximumSize(10)
            .build()) {
      for (int i = 0; i < 20; i++) {
        cache.put("k" + i, "v" + i);
        assertThat(cache.stats().evictionCount())
            .as("evictions after put %d", i)
            .isEqualTo(Math.max(0, i - 9));
      }
    }
  }
}
