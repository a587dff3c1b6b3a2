package io.strata.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.cache.testkit.FakeTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** An entry kept past its expiry only to be revalidated: reloaded with it, never served. */
class RevalidationWindowTest {

  private final FakeTicker ticker = new FakeTicker();
  private final List<@Nullable String> previousEtags = new ArrayList<>();
  private volatile boolean failReloads;

  private final Loader<String, String> origin =
      new Loader<>() {
        @Override
        public String load(String key) {
          throw new AssertionError("loadEntry is used");
        }

        @Override
        public Loaded<String> loadEntry(String key) {
          return Loaded.builder("body-" + key)
              .ttl(Duration.ofSeconds(60))
              .etag("\"v1\"")
              .revalidateWithin(Duration.ofHours(1))
              .build();
        }

        @Override
        public Loaded<String> reload(String key, CacheEntry<String> previous) {
          previousEtags.add(previous.etag());
          if (failReloads) {
            throw new IllegalStateException("origin down");
          }
          return Loaded.<String>notModifiedBuilder().ttl(Duration.ofSeconds(120)).build();
        }
      };

  private MultiLevelCache<String, String> cache() {
    return MultiLevelCache.<String, String>builder("revalidated")
        .ticker(ticker)
        .executor(Runnable::run)
        .loader(origin)
        .build();
  }

  @Test
  void anExpiredEntryInItsWindow_isReloadedWithItsValidators_andANotModifiedKeepsIt() {
    try (MultiLevelCache<String, String> cache = cache()) {
      cache.get("k");
      ticker.advance(Duration.ofSeconds(61));

      assertThat(cache.get("k")).isEqualTo("body-k");
      assertThat(previousEtags).containsExactly("\"v1\"");

      ticker.advance(Duration.ofSeconds(119)); // the not-modified's 120 s rule now
      assertThat(cache.lookup("k")).isEqualTo(new Lookup<>("body-k", "local", false));
      assertThat(previousEtags).hasSize(1);
    }
  }

  @Test
  void anExpiredEntryInItsWindow_isNeverServed_evenWhenTheReloadFails() {
    try (MultiLevelCache<String, String> cache = cache()) {
      cache.get("k");
      ticker.advance(Duration.ofSeconds(61));
      failReloads = true;

      assertThatThrownBy(() -> cache.get("k")).hasMessageContaining("origin down");
      assertThat(cache.getIfPresent("k")).isNull();
    }
  }

  @Test
  void pastTheWindow_theEntryIsGone_andTheLoadIsAPlainOne() {
    try (MultiLevelCache<String, String> cache = cache()) {
      cache.get("k");
      ticker.advance(Duration.ofSeconds(60).plus(Duration.ofHours(1)).plusSeconds(1));

      assertThat(cache.get("k")).isEqualTo("body-k");
      assertThat(previousEtags).isEmpty();
    }
  }
}
