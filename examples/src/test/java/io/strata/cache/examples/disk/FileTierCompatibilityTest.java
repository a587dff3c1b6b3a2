package io.strata.cache.examples.disk;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.CacheEntry;
import io.strata.cache.CacheTier;
import io.strata.cache.TierContext;
import io.strata.cache.codec.Codec;
import io.strata.cache.testkit.CacheTierCompatibilityKit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file tier passes the same contract as the local and Redis tiers, plus its own checks. */
class FileTierCompatibilityTest extends CacheTierCompatibilityKit {

  @TempDir static Path dir;

  @Override
  protected CacheTier<String, String> createTier(TierContext<String> context) {
    return FileTier.factory(dir, Codec.utf8()).create(context);
  }

  @Test
  void anEntry_survivesANewTier_onTheSameDirectory_withItsRemainingLifetime() {
    long now = ticker.read();
    tier.put("k", CacheEntry.builder("v", now, now + Duration.ofSeconds(30).toNanos()).build());

    // A new tier (a restarted process) reads the file back, deadlines included.
    try (CacheTier<String, String> again = createTier(context())) {
      CacheEntry<String> read = again.get("k");
      assertThat(read).isNotNull();
      assertThat(read.value()).isEqualTo("v");
      assertThat(read.expiresAt() - ticker.read())
          .isBetween(Duration.ofSeconds(29).toNanos(), Duration.ofSeconds(30).toNanos());
    }
  }

  @Test
  void aCorruptFile_isAMiss_andIsDeleted() throws IOException {
    tier.put("k", entry("v", Duration.ofMinutes(1)));
    Path file;
    try (Stream<Path> files = Files.list(dir.resolve(cacheName()))) {
      file = files.filter(f -> f.toString().endsWith(".entry")).findFirst().orElseThrow();
    }
    Files.write(file, new byte[] {1, 2, 3});

    assertThat(tier.get("k")).isNull();
    assertThat(file).doesNotExist();
  }

  @Test
  void purgeExpired_deletesOnlyExpiredFiles() {
    tier.put("short", entry("v", Duration.ofSeconds(1)));
    tier.put("long", entry("v", Duration.ofMinutes(1)));
    letTimePass(Duration.ofSeconds(2));

    assertThat(((FileTier<String>) tier).purgeExpired()).isEqualTo(1);
    assertThat(tier.estimatedSize()).isEqualTo(1);
    assertThat(tier.get("long")).isNotNull();
  }

  @Test
  void theWallClock_isReadOnce_thenTheTickerRules() {
    Clock frozen = Clock.fixed(java.time.Instant.parse("2030-01-01T00:00:00Z"), java.time.ZoneOffset.UTC);
    try (CacheTier<String, String> fixedClock =
        FileTier.factory("disk", dir, Codec.utf8(), frozen).create(context())) {
      long now = ticker.read();
      fixedClock.put("t", CacheEntry.builder("v", now, now + Duration.ofSeconds(1).toNanos()).build());
      letTimePass(Duration.ofSeconds(2));
      assertThat(fixedClock.get("t")).isNull();
    }
  }
}
