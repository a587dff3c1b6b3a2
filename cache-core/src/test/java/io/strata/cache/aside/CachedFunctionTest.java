package io.strata.cache.aside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.cache.MultiLevelCache;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CachedFunctionTest {

  private final MultiLevelCache<String, Integer> lengths =
      MultiLevelCache.<String, Integer>builder("lengths").build();
  private final AtomicInteger calls = new AtomicInteger();

  @AfterEach
  void tearDown() {
    lengths.close();
  }

  private Integer length(String s) {
    calls.incrementAndGet();
    return s.equals("missing") ? null : s.length();
  }

  @Test
  void apply_secondCallWithEqualKey_servedFromCache() {
    Function<String, Integer> cached = CachedFunction.of(lengths, this::length);

    assertThat(cached.apply("hello")).isEqualTo(5);
    assertThat(cached.apply("hello")).isEqualTo(5);
    assertThat(cached.apply("hi")).isEqualTo(2);

    assertThat(calls).hasValue(2);
    assertThat(lengths.getIfPresent("hello")).isEqualTo(5);
  }

  @Test
  void apply_nullResult_returnedAndNotCached() {
    Function<String, Integer> cached = CachedFunction.of(lengths, this::length);

    assertThat(cached.apply("missing")).isNull();
    assertThat(cached.apply("missing")).isNull();

    assertThat(calls).hasValue(2);
  }

  @Test
  void apply_functionThrows_sameExceptionReachesCallerAndNothingCached() {
    IllegalStateException failure = new IllegalStateException("boom");
    Function<String, Integer> cached =
        CachedFunction.of(
            lengths,
            s -> {
              calls.incrementAndGet();
              throw failure;
            });

    assertThatThrownBy(() -> cached.apply("a")).isSameAs(failure);
    assertThatThrownBy(() -> cached.apply("a")).isSameAs(failure);
    assertThat(calls).hasValue(2);
  }

  @Test
  void apply_nullKey_throwsNpe() {
    Function<String, Integer> cached = CachedFunction.of(lengths, this::length);

    assertThatThrownBy(() -> cached.apply(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("key");
  }

  @Test
  void of_nullArguments_throwNpeNamingThem() {
    assertThatThrownBy(() -> CachedFunction.of(null, this::length))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("cache");
    assertThatThrownBy(() -> CachedFunction.<String, Integer>of(lengths, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("function");
  }

  @Test
  void toString_namesTheCache() {
    assertThat(CachedFunction.of(lengths, this::length).toString()).contains("cache=lengths");
  }
}
