package io.strata.cache.aside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.cache.MultiLevelCache;
import io.strata.cache.testkit.FakeTicker;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CacheAsideTest {

  interface UserRepository {
    @Cached(cache = "users", key = "{0}")
    @Nullable String find(String id);

    @Cached(cache = "users", ttl = "PT10M", key = "short:{0}")
    @Nullable String findShortLived(String id);

    @Cached(cache = "users")
    @Nullable String findByName(String first, @Nullable String last);

    @Cached(cache = "users")
    Optional<String> findOptional(String id);

    @Cached(cache = "users")
    int count(String group);

    @Cached(cache = "users", key = "checked:{0}")
    String findChecked(String id) throws IOException;

    @Cached(cache = "users", key = "sneaky:{0}")
    String findSneaky(String id);

    @Cached(cache = "users")
    @Nullable String search(Object filter);

    @CacheEvict(cache = "users", key = "{0}")
    void update(String id, String value);

    @CacheEvict(cache = "users", key = "{0}")
    void updateChecked(String id, String value) throws IOException;

    @CacheEvict(cache = "users", key = "where:{0}")
    void updateWhere(Object filter, String value);

    @Cached(cache = "users", key = "user:{0}:{1}")
    String findInTenant(String tenant, String id);

    @Cached(cache = "users", key = "order:{0}:{1}")
    String findOrder(String id, long number);

    @CacheEvict(cache = "users", all = true)
    void reload();

    String uncached(String id);

    default String greeting(String id) {
      return "default hello " + id;
    }

    default String overriddenGreeting(String id) {
      return "default hello " + id;
    }
  }

  /** A repository that counts calls per method and fails on demand. */
  static final class FakeRepository implements UserRepository {
    final Map<String, String> data = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    volatile @Nullable Exception failure;

    int calls(String method) {
      return calls.computeIfAbsent(method, m -> new AtomicInteger()).get();
    }

    private void record(String method) throws Exception {
      calls.computeIfAbsent(method, m -> new AtomicInteger()).incrementAndGet();
      Exception toThrow = failure;
      if (toThrow != null) {
        throw toThrow;
      }
    }

    private void countUnchecked(String method) {
      try {
        record(method);
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new AssertionError("only runtime failures here", e);
      }
    }

    @Override
    public @Nullable String find(String id) {
      countUnchecked("find");
      return data.get(id);
    }

    @Override
    public @Nullable String findShortLived(String id) {
      countUnchecked("findShortLived");
      return data.get(id);
    }

    @Override
    public @Nullable String findByName(String first, @Nullable String last) {
      countUnchecked("findByName");
      return first + " " + last;
    }

    @Override
    public Optional<String> findOptional(String id) {
      countUnchecked("findOptional");
      return Optional.ofNullable(data.get(id));
    }

    @Override
    public int count(String group) {
      countUnchecked("count");
      return group.length();
    }

    @Override
    public String findChecked(String id) throws IOException {
      try {
        record("findChecked");
      } catch (IOException | RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new AssertionError(e);
      }
      return "checked " + id;
    }

    @Override
    public String findSneaky(String id) {
      calls.computeIfAbsent("findSneaky", m -> new AtomicInteger()).incrementAndGet();
      throw FakeRepository.<RuntimeException>sneakyThrow(new IOException("undeclared " + id));
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E sneakyThrow(Throwable e) throws E {
      throw (E) e;
    }

    @Override
    public @Nullable String search(Object filter) {
      countUnchecked("search");
      return "found " + filter;
    }

    @Override
    public void update(String id, String value) {
      countUnchecked("update");
      data.put(id, value);
    }

    @Override
    public void updateChecked(String id, String value) throws IOException {
      try {
        record("updateChecked");
      } catch (IOException | RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new AssertionError(e);
      }
      data.put(id, value);
    }

    @Override
    public String findInTenant(String tenant, String id) {
      countUnchecked("findInTenant");
      return tenant + "/" + id;
    }

    @Override
    public String findOrder(String id, long number) {
      countUnchecked("findOrder");
      return id + "#" + number;
    }

    @Override
    public void updateWhere(Object filter, String value) {
      countUnchecked("updateWhere");
    }

    @Override
    public void reload() {
      countUnchecked("reload");
    }

    @Override
    public String uncached(String id) {
      countUnchecked("uncached");
      return "uncached " + id;
    }

    @Override
    public String overriddenGreeting(String id) {
      return "target hello " + id;
    }

    @Override
    public String toString() {
      return "FakeRepository";
    }
  }

  private final FakeTicker ticker = new FakeTicker();
  private final FakeRepository target = new FakeRepository();
  private MultiLevelCache<String, Object> users;
  private UserRepository repository;

  @BeforeEach
  void setUp() {
    users =
        MultiLevelCache.<String, Object>builder("users")
            .ticker(ticker)
            .ttl(Duration.ofHours(1))
            .build();
    repository = CacheAside.builder(UserRepository.class, target).cache(users).build();
    target.data.put("1", "alice");
    target.data.put("2", "bob");
  }

  @AfterEach
  void tearDown() {
    users.close();
  }

  @Test
  void cached_secondCallWithEqualArgs_servedFromCache() {
    assertThat(repository.find("1")).isEqualTo("alice");
    assertThat(repository.find(new String("1"))).isEqualTo("alice");

    assertThat(target.calls("find")).isEqualTo(1);
  }

  @Test
  void cached_differentArgs_eachLoadedOnce() {
    repository.find("1");
    repository.find("2");
    repository.find("1");
    repository.find("2");

    assertThat(target.calls("find")).isEqualTo(2);
  }

  @Test
  void cached_keyTemplate_storesUnderTheTemplatesExpansion() {
    repository.find("1");

    assertThat(users.getIfPresent(CacheKeys.text("1"))).isEqualTo("alice");
    assertThat(users.getIfPresent("1")).isEqualTo("alice");
  }

  @Test
  void cached_stringArguments_appearInTheKeyAsTheyAre() {
    repository.findShortLived("1");
    repository.findInTenant("acme", "u-7");
    repository.findOrder("o 1", 42L);

    assertThat(users.getIfPresent("short:1")).isEqualTo("alice");
    assertThat(users.getIfPresent("user:acme:u-7")).isEqualTo("acme/u-7");
    assertThat(users.getIfPresent("order:o 1:42L")).isEqualTo("o 1#42");
  }

  @Test
  void cached_colonsAndBackslashesInStringArguments_escapedSoArgumentsNeverShareAKey() {
    assertThat(repository.findInTenant("a:b", "c")).isEqualTo("a:b/c");
    assertThat(repository.findInTenant("a", "b:c")).isEqualTo("a/b:c");
    assertThat(repository.findInTenant("a\\", ":c")).isEqualTo("a\\/:c");
    assertThat(repository.findInTenant("a\\:", "c")).isEqualTo("a\\:/c");

    assertThat(target.calls("findInTenant")).isEqualTo(4);
    assertThat(users.getIfPresent("user:a\\:b:c")).isEqualTo("a:b/c");
    assertThat(users.getIfPresent("user:a:b\\:c")).isEqualTo("a/b:c");
    assertThat(users.getIfPresent("user:a\\\\:\\:c")).isEqualTo("a\\/:c");
    assertThat(users.getIfPresent("user:" + CacheKeys.text("a\\:") + ":c")).isEqualTo("a\\:/c");
  }

  @Test
  void cached_nullStringArgument_hasItsOwnKey() {
    repository.findInTenant("acme", null);
    repository.findInTenant("acme", "null");
    repository.findInTenant("acme", "\\N");

    assertThat(target.calls("findInTenant")).isEqualTo(3);
    assertThat(users.getIfPresent("user:acme:\\N")).isEqualTo("acme/null");
  }

  @Test
  void cached_defaultKey_isMethodIdentityThenEachArgument() {
    repository.findByName("ada", "lovelace");
    repository.findByName("ada", null);

    assertThat(users.getIfPresent("UserRepository.findByName(String,String):ada:lovelace"))
        .isEqualTo("ada lovelace");
    assertThat(
            users.getIfPresent(
                "UserRepository.findByName(String,String):ada:" + CacheKeys.text(null)))
        .isEqualTo("ada null");
    assertThat(target.calls("findByName")).isEqualTo(2);
  }

  @Test
  void cached_templateWithColonSeparatedPlaceholders_expandsToTextAndCacheKeysOf() {
    interface Pairs {
      @Cached(cache = "users", key = "{0}:{1}:{2}")
      String pair(String a, long b, Object c);
    }
    Pairs proxy = CacheAside.builder(Pairs.class, (a, b, c) -> a + b + c).cache(users).build();

    proxy.pair("x:y", 7L, "z");

    assertThat(users.getIfPresent(CacheKeys.text("x:y") + ":" + CacheKeys.of(7L, "z")))
        .isEqualTo("x:y7z");
    assertThat(users.getIfPresent("x\\:y:7L:\"z\"")).isEqualTo("x:y7z");
  }

  @Test
  void cached_methodInheritedFromSuperInterface_servedAndKeyedWithWrappedInterface() {
    interface Base {
      @Cached(cache = "users")
      String find(String id);
    }
    interface Derived extends Base {}
    AtomicInteger calls = new AtomicInteger();
    Derived impl = id -> "found " + id + " " + calls.incrementAndGet();
    Derived proxy = CacheAside.builder(Derived.class, impl).cache(users).build();

    assertThat(proxy.find("1")).isEqualTo("found 1 1");
    assertThat(((Base) proxy).find("1")).isEqualTo("found 1 1");
    assertThat(users.getIfPresent("Derived.find(String):1")).isEqualTo("found 1 1");
  }

  @Test
  void cached_nullArgument_isPartOfTheKey() {
    repository.findByName("ada", null);
    repository.findByName("ada", null);
    repository.findByName("ada", "null");

    assertThat(target.calls("findByName")).isEqualTo(2);
  }

  @Test
  void cached_nullResult_returnedAndNotCachedByDefault() {
    assertThat(repository.find("missing")).isNull();
    assertThat(repository.find("missing")).isNull();

    assertThat(target.calls("find")).isEqualTo(2);
  }

  @Test
  void cached_nullResult_cachedAsNegativeEntryWhenCacheHasNegativeTtl() {
    try (MultiLevelCache<String, Object> negative =
        MultiLevelCache.<String, Object>builder("users")
            .ticker(ticker)
            .negativeTtl(Duration.ofMinutes(1))
            .build()) {
      UserRepository repo =
          CacheAside.builder(UserRepository.class, target).cache(negative).build();

      assertThat(repo.find("missing")).isNull();
      assertThat(repo.find("missing")).isNull();
      assertThat(target.calls("find")).isEqualTo(1);

      ticker.advance(Duration.ofMinutes(2));
      assertThat(repo.find("missing")).isNull();
      assertThat(target.calls("find")).isEqualTo(2);
    }
  }

  @Test
  void cached_optionalResult_cachedByItsContent() {
    assertThat(repository.findOptional("1")).contains("alice");
    assertThat(repository.findOptional("1")).contains("alice");

    assertThat(target.calls("findOptional")).isEqualTo(1);
    assertThat(users.getIfPresent("UserRepository.findOptional(String):1")).isEqualTo("alice");
  }

  @Test
  void cached_emptyOptional_returnedEmptyAndNotCached() {
    assertThat(repository.findOptional("missing")).isEmpty();
    assertThat(repository.findOptional("missing")).isEmpty();

    assertThat(target.calls("findOptional")).isEqualTo(2);
  }

  @Test
  void cached_primitiveResult_cachedBoxed() {
    assertThat(repository.count("admins")).isEqualTo(6);
    assertThat(repository.count("admins")).isEqualTo(6);

    assertThat(target.calls("count")).isEqualTo(1);
  }

  @Test
  void cached_ttlFromAnnotation_expiresEntryWhileCachePolicyKeepsOthers() {
    repository.findShortLived("1");
    repository.find("1");

    ticker.advance(Duration.ofMinutes(9));
    repository.findShortLived("1");
    repository.find("1");
    assertThat(target.calls("findShortLived")).isEqualTo(1);

    ticker.advance(Duration.ofMinutes(2));
    repository.findShortLived("1");
    repository.find("1");
    assertThat(target.calls("findShortLived")).isEqualTo(2);
    assertThat(target.calls("find")).isEqualTo(1);

    ticker.advance(Duration.ofMinutes(50));
    repository.find("1");
    assertThat(target.calls("find")).isEqualTo(2);
  }

  @Test
  void cached_targetThrowsRuntimeException_sameExceptionReachesCallerAndNothingCached() {
    IllegalStateException failure = new IllegalStateException("database down");
    target.failure = failure;

    assertThatThrownBy(() -> repository.find("1")).isSameAs(failure);

    target.failure = null;
    assertThat(repository.find("1")).isEqualTo("alice");
    assertThat(target.calls("find")).isEqualTo(2);
  }

  @Test
  void cached_targetThrowsDeclaredCheckedException_rethrownAsItselfAndNothingCached()
      throws IOException {
    IOException failure = new IOException("disk on fire");
    target.failure = failure;

    assertThatThrownBy(() -> repository.findChecked("1")).isSameAs(failure);

    target.failure = null;
    assertThat(repository.findChecked("1")).isEqualTo("checked 1");
    assertThat(target.calls("findChecked")).isEqualTo(2);
  }

  @Test
  void cached_targetThrowsUndeclaredCheckedException_wrappedInCompletionException() {
    assertThatThrownBy(() -> repository.findSneaky("1"))
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(IOException.class)
        .hasRootCauseMessage("undeclared 1");
  }

  @Test
  void cached_argumentOfUnsupportedRuntimeType_failsBeforeTargetWithClearMessage() {
    assertThatThrownBy(() -> repository.search(new StringBuilder("x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("UserRepository.search(Object)")
        .hasMessageContaining("parameter 0")
        .hasMessageContaining("java.lang.StringBuilder")
        .hasMessageContaining("key template");
    assertThat(target.calls("search")).isZero();
  }

  @Test
  void cached_argumentOfSupportedRuntimeTypeForObjectParameter_cached() {
    repository.search(java.util.List.of("a", 1));
    repository.search(java.util.List.of("a", 1));

    assertThat(target.calls("search")).isEqualTo(1);
  }

  @Test
  void evict_afterUpdate_nextReadLoadsNewValue() {
    assertThat(repository.find("1")).isEqualTo("alice");

    repository.update("1", "alicia");

    assertThat(repository.find("1")).isEqualTo("alicia");
    assertThat(target.calls("find")).isEqualTo(2);
    assertThat(target.calls("update")).isEqualTo(1);
  }

  @Test
  void evict_onlyEvictsItsKey() {
    repository.find("1");
    repository.find("2");

    repository.update("1", "alicia");
    repository.find("2");

    assertThat(target.calls("find")).isEqualTo(2);
  }

  @Test
  void evict_targetThrows_exceptionReachesCallerAndNothingEvicted() {
    repository.find("1");
    IOException failure = new IOException("write failed");
    target.failure = failure;

    assertThatThrownBy(() -> repository.updateChecked("1", "alicia")).isSameAs(failure);

    target.failure = null;
    assertThat(repository.find("1")).isEqualTo("alice");
    assertThat(target.calls("find")).isEqualTo(1);
  }

  @Test
  void evict_argumentOfUnsupportedType_failsBeforeTarget() {
    assertThatThrownBy(() -> repository.updateWhere(new Object(), "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("UserRepository.updateWhere(Object,String)")
        .hasMessageContaining("java.lang.Object");
    assertThat(target.calls("updateWhere")).isZero();
  }

  @Test
  void evictAll_removesEveryEntry() {
    repository.find("1");
    repository.find("2");
    repository.findByName("ada", "lovelace");

    repository.reload();
    repository.find("1");
    repository.find("2");
    repository.findByName("ada", "lovelace");

    assertThat(target.calls("find")).isEqualTo(4);
    assertThat(target.calls("findByName")).isEqualTo(2);
    assertThat(target.calls("reload")).isEqualTo(1);
  }

  @Test
  void unannotatedMethod_passesThroughOnEveryCall() {
    assertThat(repository.uncached("1")).isEqualTo("uncached 1");
    assertThat(repository.uncached("1")).isEqualTo("uncached 1");

    assertThat(target.calls("uncached")).isEqualTo(2);
  }

  @Test
  void defaultMethod_runsTargetsImplementation() {
    assertThat(repository.overriddenGreeting("ada")).isEqualTo("target hello ada");
    assertThat(repository.greeting("ada")).isEqualTo("default hello ada");
  }

  @Test
  void objectMethods_passThroughToTarget() {
    assertThat(repository.toString()).isEqualTo("FakeRepository");
    assertThat(repository.hashCode()).isEqualTo(target.hashCode());
    assertThat(repository.equals(target)).isTrue();
    assertThat(repository.equals(repository)).isTrue();
    assertThat(repository.equals(new FakeRepository())).isFalse();
    assertThat(repository.equals(null)).isFalse();
  }

  @Test
  void build_calledTwice_givesIndependentWorkingProxies() {
    CacheAside.Builder<UserRepository> builder =
        CacheAside.builder(UserRepository.class, target).cache(users);

    UserRepository first = builder.build();
    UserRepository second = builder.build();
    first.find("1");
    second.find("1");

    assertThat(first).isNotSameAs(second);
    assertThat(target.calls("find")).isEqualTo(1);
  }

  @Test
  void severalCaches_eachMethodUsesItsOwn() {
    interface TwoCaches {
      @Cached(cache = "users", key = "{0}")
      String user(String id);

      @Cached(cache = "orders", key = "{0}")
      String order(String id);
    }
    AtomicInteger calls = new AtomicInteger();
    TwoCaches impl =
        new TwoCaches() {
          @Override
          public String user(String id) {
            calls.incrementAndGet();
            return "user " + id;
          }

          @Override
          public String order(String id) {
            calls.incrementAndGet();
            return "order " + id;
          }
        };
    try (MultiLevelCache<String, String> orders =
        MultiLevelCache.<String, String>builder("orders").build()) {
      TwoCaches proxy =
          CacheAside.builder(TwoCaches.class, impl).cache(users).cache(orders).build();

      assertThat(proxy.user("1")).isEqualTo("user 1");
      assertThat(proxy.order("1")).isEqualTo("order 1");
      assertThat(proxy.order("1")).isEqualTo("order 1");

      assertThat(users.getIfPresent("1")).isEqualTo("user 1");
      assertThat(orders.getIfPresent("1")).isEqualTo("order 1");
      assertThat(calls).hasValue(2);
    }
  }
}
