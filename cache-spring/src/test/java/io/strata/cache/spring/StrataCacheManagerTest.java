package io.strata.cache.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.cache.MultiLevelCache;
import io.strata.cache.codec.Codec;
import io.strata.cache.codec.CodecException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.cache.Cache;
import org.springframework.cache.support.NullValue;

class StrataCacheManagerTest {

  private static StrataCacheSpec spec(AtomicInteger built) {
    return name -> {
      built.incrementAndGet();
      return MultiLevelCache.<String, Object>builder(name).ttl(Duration.ofMinutes(1));
    };
  }

  @Test
  void onDemand_buildsEachNameOnce() {
    AtomicInteger built = new AtomicInteger();
    try (StrataCacheManager manager = StrataCacheManager.builder(spec(built)).build()) {
      assertThat(manager.getCacheNames()).isEmpty();
      Cache books = manager.getCache("books");
      assertThat(manager.getCache("books")).isSameAs(books);
      assertThat(manager.getCache("authors")).isNotNull();
      assertThat(manager.getCacheNames()).containsExactlyInAnyOrder("books", "authors");
      assertThat(built).hasValue(2);
    }
  }

  @Test
  void fixedNames_builtAtOnce_otherNamesGetNoCache() {
    AtomicInteger built = new AtomicInteger();
    try (StrataCacheManager manager =
        StrataCacheManager.builder(spec(built)).cacheNames("books", "authors").build()) {
      assertThat(built).hasValue(2);
      assertThat(manager.getCacheNames()).containsExactly("books", "authors");
      assertThat(manager.getCache("books")).isNotNull();
      assertThat(manager.getCache("other")).isNull();
    }
  }

  @Test
  void fixedNames_badName_failsAtBuild() {
    assertThatThrownBy(
            () -> StrataCacheManager.builder(spec(new AtomicInteger())).cacheNames("a b").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a b");
  }

  @Test
  void close_closesCaches_andRefusesNewOnes() {
    StrataCacheManager manager = StrataCacheManager.builder(spec(new AtomicInteger())).build();
    StrataCache books = (StrataCache) manager.getCache("books");
    manager.close();
    assertThatThrownBy(() -> books.put("k", "v")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> manager.getCache("other")).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void nullValueTtl_fromSpec_bounds_nullEntries() {
    StrataCacheSpec spec =
        new StrataCacheSpec() {
          @Override
          public io.strata.cache.MultiLevelCacheBuilder<String, Object> builder(String name) {
            return MultiLevelCache.<String, Object>builder(name).ttl(Duration.ofMinutes(1));
          }

          @Override
          public Duration nullValueTtl(String name) {
            return Duration.ofSeconds(5);
          }
        };
    try (StrataCacheManager manager = StrataCacheManager.builder(spec).build()) {
      Cache cache = manager.getCache("c");
      cache.put("k", null);
      assertThat(cache.get("k")).isNotNull();
    }
  }

  @Test
  void nullValueCodec_roundTripsValuesAndTheMarker() {
    NullValueCodec codec = NullValueCodec.wrap(Codec.utf8());
    assertThat(codec.id()).isEqualTo("spring-null+utf8");
    assertThat(codec.decode(codec.encode("héllo"))).isEqualTo("héllo");
    assertThat(codec.decode(codec.encode(NullValue.INSTANCE))).isSameAs(NullValue.INSTANCE);
    assertThat(codec.encode(NullValue.INSTANCE)).containsExactly(0);
  }

  @Test
  void nullValueCodec_bytesWithoutMarker_areACodecException() {
    NullValueCodec codec = NullValueCodec.wrap(Codec.utf8());
    assertThatThrownBy(() -> codec.decode("plain".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(CodecException.class);
    assertThatThrownBy(() -> codec.decode(new byte[0])).isInstanceOf(CodecException.class);
  }
}
