package io.strata.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.codec.Codec;
import io.strata.cache.testkit.FakeTicker;
import io.strata.cache.testkit.InMemoryTier;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A "not found" that says how long, and where, it may be remembered (an HTTP 404's own headers). */
class NotFoundLifetimeTest {

  private final FakeTicker ticker = new FakeTicker();
  private final InMemoryTier.Store store = new InMemoryTier.Store();
  private final AtomicInteger loads = new AtomicInteger();

  private MultiLevelCache<String, String> cache(Loaded<String> answer, Duration negativeTtl) {
    return MultiLevelCache.<String, String>builder("users")
        .ticker(ticker)
        .executor(Runnable::run)
        .negativeTtl(negativeTtl)
        .tier(InMemoryTier.factory("shared", store, Codec.utf8()))
        .loader(
            new Loader<>() {
              @Override
              public String load(String key) {
                throw new AssertionError("loadEntry is overridden");
              }

              @Override
              public Loaded<String> loadEntry(String key) {
                loads.incrementAndGet();
                return answer;
              }
            })
        .build();
  }

  @Test
  void itsOwnLifetime_replacesTheNegativeTtl() {
    try (MultiLevelCache<String, String> cache =
        cache(Loaded.<String>notFoundBuilder().ttlHint(Duration.ofSeconds(60)).build(), Duration.ofSeconds(5))) {
      cache.get("k");
      ticker.advance(Duration.ofSeconds(59));
      cache.get("k");
      assertThat(loads).hasValue(1);
      ticker.advance(Duration.ofSeconds(2));
      cache.get("k");
      assertThat(loads).hasValue(2);
    }
  }

  @Test
  void aLifetimeOfZero_isRememberedNowhere_evenWithANegativeTtl() {
    try (MultiLevelCache<String, String> cache =
        cache(Loaded.<String>notFoundBuilder().ttlHint(Duration.ZERO).build(), Duration.ofMinutes(5))) {
      assertThat(cache.get("k")).isNull();
      assertThat(cache.get("k")).isNull();
      assertThat(loads).hasValue(2);
      assertThat(store.size()).isZero();
    }
  }

  @Test
  void anExactTtl_andALocalOnlyStorage_areKept() {
    try (MultiLevelCache<String, String> cache =
        cache(
            Loaded.<String>notFoundBuilder()
                .ttl(Duration.ofSeconds(20))
                .storage(Loaded.Storage.LOCAL_ONLY)
                .build(),
            Duration.ofSeconds(5))) {
      cache.get("k");
      ticker.advance(Duration.ofSeconds(19));
      cache.get("k");
      assertThat(loads).hasValue(1);
      assertThat(store.size()).as("kept only locally").isZero();
    }
  }

  @Test
  void aNotFoundThatSaysNothing_getsTheNegativeTtl() {
    try (MultiLevelCache<String, String> cache =
        cache(Loaded.<String>notFoundBuilder().build(), Duration.ofSeconds(5))) {
      cache.get("k");
      ticker.advance(Duration.ofSeconds(4));
      cache.get("k");
      assertThat(loads).hasValue(1);
      ticker.advance(Duration.ofSeconds(2));
      cache.get("k");
      assertThat(loads).hasValue(2);
    }
  }
}
