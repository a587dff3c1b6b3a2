package io.strata.cache.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.cache.MultiLevelCache;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.cache.Cache;
import org.springframework.cache.interceptor.SimpleKey;

/**
 * The contract of Spring's {@code AbstractCacheTests} and {@code AbstractValueAdaptingCacheTests}
 * (spring-context does not publish its test fixtures), run against a local-only cache.
 */
class StrataCacheTest {

  private static final String NAME = "testCache";

  private final StrataCacheManager manager = manager(true);
  private final StrataCacheManager noNulls = manager(false);
  private final StrataCache cache = (StrataCache) manager.getCache(NAME);
  private final StrataCache noNullCache = (StrataCache) noNulls.getCache(NAME);

  private static StrataCacheManager manager(boolean allowNulls) {
    return StrataCacheManager.builder(
            name -> MultiLevelCache.<String, Object>builder(name).ttl(Duration.ofMinutes(5)))
        .allowNullValues(allowNulls)
        .build();
  }

  @AfterEach
  void close() {
    manager.close();
    noNulls.close();
  }

  private static String key() {
    return UUID.randomUUID().toString();
  }

  @Test
  void name_andNativeCache() {
    assertThat(cache.getName()).isEqualTo(NAME);
    assertThat(cache.getNativeCache()).isInstanceOf(MultiLevelCache.class);
    assertThat(cache.getNativeCache().name()).isEqualTo(NAME);
  }

  @Test
  void put_thenGet_returnsWrapperAndTypedValue() {
    String key = key();
    assertThat(cache.get(key)).isNull();
    assertThat(cache.get(key, String.class)).isNull();
    cache.put(key, "value");
    assertThat(cache.get(key).get()).isEqualTo("value");
    assertThat(cache.get(key, String.class)).isEqualTo("value");
    assertThat(cache.get(key, Object.class)).isEqualTo("value");
    assertThat(cache.get(key, (Class<String>) null)).isEqualTo("value");
  }

  @Test
  void get_wrongType_throwsIllegalState() {
    String key = key();
    cache.put(key, "value");
    assertThatThrownBy(() -> cache.get(key, Integer.class))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void put_null_allowed_storesNullMarker() {
    String key = key();
    cache.put(key, null);
    Cache.ValueWrapper wrapper = cache.get(key);
    assertThat(wrapper).isNotNull();
    assertThat(wrapper.get()).isNull();
    assertThat(cache.get(key, String.class)).isNull();
  }

  @Test
  void put_null_notAllowed_throwsIllegalArgument() {
    assertThatThrownBy(() -> noNullCache.put(key(), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("null");
  }

  @Test
  void putIfAbsent_storesOnlyWhenAbsent() {
    String key = key();
    assertThat(cache.putIfAbsent(key, "initial")).isNull();
    assertThat(cache.get(key).get()).isEqualTo("initial");
    assertThat(cache.putIfAbsent(key, "second").get()).isEqualTo("initial");
    assertThat(cache.get(key).get()).isEqualTo("initial");
  }

  @Test
  void putIfAbsent_nullAllowed_existingNullReturnsWrapperOfNull() {
    String key = key();
    assertThat(cache.putIfAbsent(key, null)).isNull();
    Cache.ValueWrapper existing = cache.putIfAbsent(key, "x");
    assertThat(existing).isNotNull();
    assertThat(existing.get()).isNull();
  }

  @Test
  void evict_removes() {
    String key = key();
    cache.put(key, "v");
    cache.evict(key);
    assertThat(cache.get(key)).isNull();
  }

  @Test
  void evictIfPresent_reportsPriorPresence() {
    String key = key();
    assertThat(cache.evictIfPresent(key)).isFalse();
    cache.put(key, "v");
    assertThat(cache.evictIfPresent(key)).isTrue();
    assertThat(cache.get(key)).isNull();
  }

  @Test
  void clear_andInvalidate_removeEverything() {
    String a = key();
    String b = key();
    cache.put(a, "1");
    cache.put(b, "2");
    cache.clear();
    assertThat(cache.get(a)).isNull();
    assertThat(cache.get(b)).isNull();
    cache.put(a, "1");
    assertThat(cache.invalidate()).isTrue();
    assertThat(cache.get(a)).isNull();
    assertThat(cache.invalidate()).isFalse();
  }

  @Test
  void getWithCallable_absent_loadsAndStores() {
    String key = key();
    assertThat(cache.get(key, () -> "loaded")).isEqualTo("loaded");
    assertThat(cache.get(key).get()).isEqualTo("loaded");
  }

  @Test
  void getWithCallable_present_doesNotCallLoader() {
    String key = key();
    cache.put(key, "initial");
    assertThat(cache.get(key, () -> "other")).isEqualTo("initial");
  }

  @Test
  void getWithCallable_loaderReturnsNull_nullStoredWhenAllowed() {
    String key = key();
    AtomicInteger calls = new AtomicInteger();
    assertThat(cache.<Object>get(key, () -> { calls.incrementAndGet(); return null; })).isNull();
    assertThat(cache.get(key)).isNotNull();
    assertThat(cache.<Object>get(key, () -> { calls.incrementAndGet(); return "x"; })).isNull();
    assertThat(calls).hasValue(1);
  }

  @Test
  void getWithCallable_loaderReturnsNull_notStoredWhenNullsDisallowed() {
    String key = key();
    assertThat(noNullCache.<Object>get(key, () -> null)).isNull();
    assertThat(noNullCache.get(key)).isNull();
  }

  @Test
  void getWithCallable_checkedException_wrappedInValueRetrievalException() {
    String key = key();
    IOException failure = new IOException("boom");
    assertThatThrownBy(() -> cache.get(key, () -> { throw failure; }))
        .isInstanceOf(Cache.ValueRetrievalException.class)
        .hasCause(failure)
        .satisfies(e -> assertThat(((Cache.ValueRetrievalException) e).getKey()).isEqualTo(key));
    assertThat(cache.get(key)).isNull();
  }

  @Test
  void getWithCallable_runtimeException_wrappedInValueRetrievalException() {
    IllegalStateException failure = new IllegalStateException("boom");
    assertThatThrownBy(() -> cache.get(key(), () -> { throw failure; }))
        .isInstanceOf(Cache.ValueRetrievalException.class)
        .hasCause(failure);
  }

  @Test
  void getWithCallable_concurrentColdKey_loadsOnce() throws Exception {
    String key = key();
    AtomicInteger calls = new AtomicInteger();
    CountDownLatch othersJoined = Waiters.joining(cache.getNativeCache(), 199);
    Concurrently.run(
        200,
        () -> {
          Object value =
              cache.get(
                  key,
                  () -> {
                    calls.incrementAndGet();
                    Waiters.await(othersJoined);
                    return "v";
                  });
          assertThat(value).isEqualTo("v");
        });
    assertThat(calls).hasValue(1);
  }

  @Test
  void retrieve_absent_completesWithNull() throws Exception {
    CompletableFuture<?> future = cache.retrieve(key());
    assertThat(future).isNotNull();
    assertThat(future.get(5, TimeUnit.SECONDS)).isNull();
  }

  @Test
  void retrieve_present_completesWithWrapper_orPlainValueWithoutNulls() throws Exception {
    String key = key();
    cache.put(key, "v");
    Object wrapped = cache.retrieve(key).get(5, TimeUnit.SECONDS);
    assertThat(wrapped).isInstanceOf(Cache.ValueWrapper.class);
    assertThat(((Cache.ValueWrapper) wrapped).get()).isEqualTo("v");
    cache.put(key, null);
    assertThat(((Cache.ValueWrapper) cache.retrieve(key).get(5, TimeUnit.SECONDS)).get()).isNull();

    noNullCache.put(key, "v");
    assertThat(noNullCache.retrieve(key).get(5, TimeUnit.SECONDS)).isEqualTo("v");
  }

  @Test
  void retrieveWithSupplier_loadsOnceThenServesCached() throws Exception {
    String key = key();
    AtomicInteger calls = new AtomicInteger();
    // The load lasts until every call was made: the others join it or, on a busy executor, run
    // after it and find the value cached; either way the source is asked once.
    CountDownLatch allAsked = new CountDownLatch(1);
    List<CompletableFuture<String>> futures =
        java.util.stream.IntStream.range(0, 20)
            .mapToObj(
                i ->
                    cache.retrieve(
                        key,
                        () ->
                            CompletableFuture.supplyAsync(
                                () -> {
                                  calls.incrementAndGet();
                                  Waiters.await(allAsked);
                                  return "v";
                                })))
            .toList();
    allAsked.countDown();
    for (CompletableFuture<String> future : futures) {
      assertThat(future.get(5, TimeUnit.SECONDS)).isEqualTo("v");
    }
    assertThat(calls).hasValue(1);
    assertThat(cache.get(key).get()).isEqualTo("v");
  }

  @Test
  void retrieveWithSupplier_failure_completesExceptionallyWithTheCause() {
    IllegalStateException failure = new IllegalStateException("boom");
    CompletableFuture<String> future =
        cache.retrieve(key(), () -> CompletableFuture.failedFuture(failure));
    assertThatThrownBy(() -> future.get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCause(failure);
  }

  @Test
  void retrieveWithSupplier_null_storedAsNullWhenAllowed() throws Exception {
    String key = key();
    assertThat(cache.retrieve(key, () -> CompletableFuture.completedFuture(null))
            .get(5, TimeUnit.SECONDS)).isNull();
    assertThat(cache.get(key)).isNotNull();
  }

  @Test
  void keys_simpleKeyAndEqualArguments_shareOneEntry() {
    cache.put(new SimpleKey("a", 1), "v");
    assertThat(cache.get(new SimpleKey("a", 1)).get()).isEqualTo("v");
    assertThat(cache.get(new SimpleKey("a", 2))).isNull();
    assertThat(cache.textKey(new SimpleKey("a", 1))).isEqualTo("\"a\":1");
    assertThat(cache.textKey(SimpleKey.EMPTY)).isEqualTo("");
    assertThat(cache.textKey("a")).isEqualTo("\"a\"");
    assertThat(cache.textKey(42L)).isEqualTo("42L");
  }

  @Test
  void keys_typeWithoutDeterministicText_rejectedNamingIt() {
    Object opaque = new Object();
    assertThatThrownBy(() -> cache.put(opaque, "v"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("java.lang.Object");
  }
}
