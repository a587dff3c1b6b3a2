package io.strata.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.cache.codec.Codec;
import io.strata.cache.testkit.InMemoryTier;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class BuilderValidationTest {

  private MultiLevelCacheBuilder<String, String> builder() {
    return MultiLevelCache.builder("users");
  }

  @Test
  void name_nullBlankOrWithSeparator_isRejected() {
    assertThatThrownBy(() -> MultiLevelCache.builder(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("name");
    assertThatThrownBy(() -> MultiLevelCache.builder(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name");
    assertThatThrownBy(() -> MultiLevelCache.builder("a:b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'a:b'");
  }

  @Test
  void nullArguments_throwNullPointerExceptionNamingTheArgument() {
    assertThatThrownBy(() -> builder().loader(null)).hasMessage("loader");
    assertThatThrownBy(() -> builder().writer(null)).hasMessage("writer");
    assertThatThrownBy(() -> builder().ttl(null)).hasMessage("ttl");
    assertThatThrownBy(() -> builder().ttlPolicy(null)).hasMessage("policy");
    assertThatThrownBy(() -> builder().localTtl(null)).hasMessage("ttl");
    assertThatThrownBy(() -> builder().negativeTtl(null)).hasMessage("ttl");
    assertThatThrownBy(() -> builder().maximumWeight(10, null)).hasMessage("weigher");
    assertThatThrownBy(() -> builder().tier(null)).hasMessage("factory");
    assertThatThrownBy(() -> builder().refreshAhead(null)).hasMessage("refreshAhead");
    assertThatThrownBy(() -> builder().staleIfError(null)).hasMessage("window");
    assertThatThrownBy(() -> builder().executor(null)).hasMessage("executor");
    assertThatThrownBy(() -> builder().ticker(null)).hasMessage("ticker");
    assertThatThrownBy(() -> builder().scheduler(null)).hasMessage("scheduler");
  }

  @Test
  void zeroOrNegativeDurations_areRejectedWithTheOptionAndValue() {
    assertThatThrownBy(() -> builder().ttl(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ttl must be positive, but was PT0S");
    assertThatThrownBy(() -> builder().negativeTtl(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("negativeTtl must be positive, but was PT-1S");
    assertThatThrownBy(() -> builder().localTtl(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("localTtl");
    assertThatThrownBy(() -> builder().staleWhileRevalidate(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("staleWhileRevalidate");
    assertThatThrownBy(() -> builder().softLoadTimeout(Duration.ofMillis(-5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("softLoadTimeout");
    assertThatThrownBy(() -> builder().maximumSize(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maximumSize must be positive, but was 0");
    assertThatThrownBy(() -> builder().maximumHeapFraction(1.5, (k, v) -> 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maximumHeapFraction must be in (0, 1), but was 1.5");
  }

  @Test
  void repeatedOptions_areRejectedNamingTheOption() {
    assertThatThrownBy(() -> builder().ttl(Duration.ofSeconds(1)).ttl(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("ttl");
    assertThatThrownBy(() -> builder().localTtl(Duration.ofSeconds(1)).localTtl(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("localTtl was already set to PT1S");
    assertThatThrownBy(() -> builder().loader(k -> k).loader(k -> k))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("loader was already set");
    assertThatThrownBy(() -> builder().maximumValueWeight(5).maximumValueWeight(6))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("maximumValueWeight was already set to 5");
  }

  @Test
  void conflictingBounds_areRejectedNamingBoth() {
    assertThatThrownBy(() -> builder().maximumSize(100).maximumWeight(1_000, (k, v) -> 1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("cannot set maximumWeight: maximumSize was already set to 100");
    assertThatThrownBy(() -> builder().maximumWeight(1_000, (k, v) -> 1).maximumSize(100))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("cannot set maximumSize: maximumWeight was already set to 1000");
    assertThatThrownBy(() -> builder().ttl(Duration.ofSeconds(1)).ttlPolicy(TtlPolicy.fixed(Duration.ofSeconds(2))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("ttl");
  }

  @Test
  void build_checksWhatOnlyTheWholeCan() {
    assertThatThrownBy(() -> builder().maximumValueWeight(10).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("maximumValueWeight needs a weigher");
    assertThatThrownBy(() -> builder().localAdmissionAfterReads(3).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("needs a lower tier");
    assertThatThrownBy(
            () ->
                builder()
                    .softLoadTimeout(Duration.ofSeconds(2))
                    .hardLoadTimeout(Duration.ofSeconds(1))
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("softLoadTimeout (PT2S) must be shorter than hardLoadTimeout (PT1S)");
  }

  @Test
  void build_tierNamesMustBeDistinct() {
    InMemoryTier.Store store = new InMemoryTier.Store();
    MultiLevelCacheBuilder<String, String> twice =
        builder()
            .tier(InMemoryTier.factory("memory", store, Codec.utf8()))
            .tier(InMemoryTier.factory("memory", store, Codec.utf8()));

    assertThatThrownBy(twice::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("tier name 'memory' is used twice");
  }

  @Test
  void build_localOnlyWithDefaults_isValid() {
    try (MultiLevelCache<String, String> cache = builder().build()) {
      assertThat(cache.name()).isEqualTo("users");
      assertThat(cache.advanced().tierNames()).containsExactly("local");
    }
  }

  @Test
  void build_doesNotChangeTheBuilder_andCanBuildAgain() {
    MultiLevelCacheBuilder<String, String> builder = builder().maximumSize(10);
    try (MultiLevelCache<String, String> first = builder.build();
        MultiLevelCache<String, String> second = builder.build()) {
      first.put("k", "v");
      assertThat(second.getIfPresent("k")).isNull();
    }
  }
}
