package io.strata.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.codec.Codec;
import io.strata.cache.testkit.FakeTicker;
import io.strata.cache.testkit.InMemoryTier;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** A value stale from the start ({@code Loaded.Builder.alwaysRevalidate}, HTTP no-cache). */
class AlwaysRevalidateTest {

  private final FakeTicker ticker = new FakeTicker();
  private final InMemoryTier.Store store = new InMemoryTier.Store();
  private final List<String> calls = new CopyOnWriteArrayList<>();

  private MultiLevelCache<String, String> cache(@Nullable Duration revalidateWithin) {
    return MultiLevelCache.<String, String>builder("docs")
        .ticker(ticker)
        .executor(Runnable::run)
        .ttl(Duration.ofMinutes(10))
        .staleIfError(Duration.ofMinutes(10))
        .tier(InMemoryTier.factory("shared", store, Codec.utf8()))
        .loader(
            new Loader<>() {
              @Override
              public String load(String key) {
                throw new AssertionError("loadEntry is overridden");
              }

              @Override
              public Loaded<String> loadEntry(String key) {
                calls.add("load");
                Loaded.Builder<String> builder = Loaded.builder("v").etag("e1").alwaysRevalidate();
                return (revalidateWithin == null ? builder : builder.revalidateWithin(revalidateWithin))
                    .build();
              }

              @Override
              public Loaded<String> reload(String key, CacheEntry<String> previous) {
                calls.add("reload " + previous.etag());
                return Loaded.<String>notModifiedBuilder().alwaysRevalidate().build();
              }
            })
        .build();
  }

  @Test
  void everyUse_revalidatesWithTheStoredValidator_andANotModifiedKeepsTheValue() {
    try (MultiLevelCache<String, String> cache = cache(Duration.ofHours(1))) {
      assertThat(cache.get("k")).isEqualTo("v");
      assertThat(cache.get("k")).isEqualTo("v");
      assertThat(cache.get("k")).isEqualTo("v");

      assertThat(calls).containsExactly("load", "reload e1", "reload e1");
      assertThat(store.size()).as("kept for its validator").isOne();
    }
  }

  @Test
  void withoutARevalidationWindow_isKeptNowhere() {
    try (MultiLevelCache<String, String> cache = cache(null)) {
      assertThat(cache.get("k")).isEqualTo("v");
      assertThat(cache.get("k")).isEqualTo("v");

      assertThat(calls).containsExactly("load", "load");
      assertThat(store.size()).isZero();
      assertThat(cache.advanced().estimatedLocalSize()).isZero();
    }
  }
}
