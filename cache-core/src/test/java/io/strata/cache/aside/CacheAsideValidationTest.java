package io.strata.cache.aside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.cache.MultiLevelCache;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CacheAsideValidationTest {

  private final MultiLevelCache<String, Object> users =
      MultiLevelCache.<String, Object>builder("users").build();

  @AfterEach
  void tearDown() {
    users.close();
  }

  /** A target that is never called: validation happens before any call. */
  private static <T> T dummy(Class<T> type) {
    return type.cast(
        Proxy.newProxyInstance(
            type.getClassLoader(),
            new Class<?>[] {type},
            (proxy, method, args) -> {
              throw new AssertionError("target called during validation");
            }));
  }

  private <T> AbstractThrowableAssert<?, ? extends Throwable> assertBuildFails(Class<T> type) {
    return assertThatThrownBy(() -> CacheAside.builder(type, dummy(type)).cache(users).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot build a cache-aside proxy of " + type.getName());
  }

  interface Repo {
    @Cached(cache = "users", key = "{0}")
    String find(String id);
  }

  @Test
  void builder_nullType_throwsNpeNamingIt() {
    assertThatThrownBy(() -> CacheAside.builder(null, dummy(Repo.class)))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("type");
  }

  @Test
  void builder_nullTarget_throwsNpeNamingIt() {
    assertThatThrownBy(() -> CacheAside.builder(Repo.class, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("target");
  }

  @Test
  void cache_null_throwsNpeNamingIt() {
    assertThatThrownBy(() -> CacheAside.builder(Repo.class, dummy(Repo.class)).cache(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("cache");
  }

  static class RepoClass {}

  @Test
  void builder_classInsteadOfInterface_rejected() {
    assertThatThrownBy(() -> CacheAside.builder(RepoClass.class, new RepoClass()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("type must be an interface")
        .hasMessageContaining(RepoClass.class.getName())
        .hasMessageContaining("extract an interface");
  }

  sealed interface SealedRepo permits SealedImpl {}

  static final class SealedImpl implements SealedRepo {}

  @Test
  void builder_sealedInterface_rejected() {
    assertThatThrownBy(() -> CacheAside.builder(SealedRepo.class, new SealedImpl()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must not be sealed");
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void builder_targetNotImplementingType_rejected() {
    Class raw = Repo.class;
    assertThatThrownBy(() -> CacheAside.builder(raw, "not a repo"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("target must implement " + Repo.class.getName())
        .hasMessageContaining("java.lang.String");
  }

  @Test
  void cache_sameNameTwice_rejected() {
    try (MultiLevelCache<String, Object> other =
        MultiLevelCache.<String, Object>builder("users").build()) {
      CacheAside.Builder<Repo> builder = CacheAside.builder(Repo.class, dummy(Repo.class));
      builder.cache(users);

      assertThatThrownBy(() -> builder.cache(other))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("a cache named 'users' was already registered");
    }
  }

  @Test
  void build_validInterface_succeedsWithoutCallingTarget() {
    assertThat(CacheAside.builder(Repo.class, dummy(Repo.class)).cache(users).build()).isNotNull();
  }

  interface UnknownCache {
    @Cached(cache = "userz")
    String find(String id);
  }

  @Test
  void build_unregisteredCache_rejectedNamingMethodAndRegisteredCaches() {
    assertBuildFails(UnknownCache.class)
        .hasMessageContaining(
            "UnknownCache.find(String): @Cached(cache = \"userz\") names no registered cache")
        .hasMessageContaining("register it with .cache(...)")
        .hasMessageContaining("(registered: [users])");
  }

  @Test
  void build_noCacheRegistered_saysSo() {
    assertThatThrownBy(
            () -> CacheAside.builder(UnknownCache.class, dummy(UnknownCache.class)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("(no cache is registered)");
  }

  interface BlankCache {
    @CacheEvict(cache = " ", all = true)
    void clear();
  }

  @Test
  void build_blankCacheName_rejected() {
    assertBuildFails(BlankCache.class)
        .hasMessageContaining("BlankCache.clear(): @CacheEvict(cache = \" \") must name a cache");
  }

  interface VoidCached {
    @Cached(cache = "users")
    void refresh(String id);
  }

  @Test
  void build_cachedOnVoidMethod_rejected() {
    assertBuildFails(VoidCached.class)
        .hasMessageContaining(
            "VoidCached.refresh(String): @Cached needs a result to cache, but the method returns"
                + " void");
  }

  interface FutureCached {
    @Cached(cache = "users")
    CompletableFuture<String> find(String id);

    @Cached(cache = "users")
    Stream<String> all();
  }

  @Test
  void build_cachedOnFutureOrStream_rejected() {
    assertBuildFails(FutureCached.class)
        .hasMessageContaining("(2 problems)")
        .hasMessageContaining("FutureCached.find(String): @Cached cannot cache a CompletableFuture")
        .hasMessageContaining("FutureCached.all(): @Cached cannot cache a Stream")
        .hasMessageContaining("return a List");
  }

  interface PrimitiveCached {
    @Cached(cache = "users")
    long count(int group);
  }

  @Test
  void build_cachedOnPrimitiveResult_accepted() {
    assertThat(
            CacheAside.builder(PrimitiveCached.class, dummy(PrimitiveCached.class))
                .cache(users)
                .build())
        .isNotNull();
  }

  interface BadTtl {
    @Cached(cache = "users", ttl = "10m")
    String find(String id);
  }

  @Test
  void build_ttlNotIso8601_rejectedWithExample() {
    assertBuildFails(BadTtl.class)
        .hasMessageContaining(
            "BadTtl.find(String): @Cached(ttl = \"10m\") is not an ISO-8601 duration")
        .hasMessageContaining("\"PT10M\"");
  }

  interface ZeroTtl {
    @Cached(cache = "users", ttl = "PT0S")
    String find(String id);

    @Cached(cache = "users", ttl = "-PT1M")
    String findNegative(String id);
  }

  @Test
  void build_ttlNotPositive_rejected() {
    assertBuildFails(ZeroTtl.class)
        .hasMessageContaining("ZeroTtl.find(String): @Cached(ttl = \"PT0S\") must be positive")
        .hasMessageContaining(
            "ZeroTtl.findNegative(String): @Cached(ttl = \"-PT1M\") must be positive");
  }

  interface TemplateOutOfRange {
    @Cached(cache = "users", key = "{0}:{2}")
    String find(String id, int version);
  }

  @Test
  void build_templateReferencesMissingParameter_rejected() {
    assertBuildFails(TemplateOutOfRange.class)
        .hasMessageContaining(
            "TemplateOutOfRange.find(String,int): @Cached(key = \"{0}:{2}\") refers to parameter"
                + " 2, but the method has 2 parameters ({0} to {1})");
  }

  interface TemplateBadBraces {
    @Cached(cache = "users", key = "user:{id}")
    String find(String id);

    @Cached(cache = "users", key = "user}{0}")
    String find2(String id);

    @CacheEvict(cache = "users", key = "user:{0")
    void evict(String id);
  }

  @Test
  void build_templateWithMalformedPlaceholder_rejected() {
    assertBuildFails(TemplateBadBraces.class)
        .hasMessageContaining("(3 problems)")
        .hasMessageContaining(
            "TemplateBadBraces.find(String): @Cached(key = \"user:{id}\") has a '{' at index 5"
                + " that starts no placeholder")
        .hasMessageContaining(
            "TemplateBadBraces.find2(String): @Cached(key = \"user}{0}\") has a '}' at index 4")
        .hasMessageContaining("TemplateBadBraces.evict(String): @CacheEvict(key = \"user:{0\")");
  }

  interface TemplateAdjacent {
    @Cached(cache = "users", key = "{0}{1}")
    String find(int a, int b);
  }

  @Test
  void build_templateWithAdjacentPlaceholders_rejected() {
    assertBuildFails(TemplateAdjacent.class)
        .hasMessageContaining("two placeholders with nothing between them")
        .hasMessageContaining("\"{0}:{1}\"");
  }

  interface TemplateSeparatorWithoutColon {
    @Cached(cache = "users", key = "user-{0}-{1}")
    String find(String tenant, String id);
  }

  @Test
  void build_placeholdersSeparatedByTextWithoutColon_rejected() {
    // ("a-b", "c") and ("a", "b-c") would both make user-a-b-c.
    assertBuildFails(TemplateSeparatorWithoutColon.class)
        .hasMessageContaining(
            "TemplateSeparatorWithoutColon.find(String,String): @Cached(key = \"user-{0}-{1}\")"
                + " separates two placeholders by \"-\", which holds no ':'");
  }

  interface TemplateWithBackslash {
    @Cached(cache = "users", key = "user\\{0}")
    String find(String id);
  }

  @Test
  void build_templateWithBackslash_rejected() {
    assertBuildFails(TemplateWithBackslash.class)
        .hasMessageContaining(
            "TemplateWithBackslash.find(String): @Cached(key = \"user\\{0}\") has a '\\' at"
                + " index 4");
  }

  interface EvictWithOtherParameterType {
    @Cached(cache = "users", key = "user:{0}")
    String find(String id);

    @CacheEvict(cache = "users", key = "user:{1}")
    void update(int version, Object id);

    @CacheEvict(cache = "users", key = "user:{0}")
    void delete(String id);
  }

  @Test
  void build_sameTemplateWithStringAndOtherParameter_rejected() {
    // find("42") stores under user:42; update(1, "42") would evict user:"42" and miss it.
    assertBuildFails(EvictWithOtherParameterType.class)
        .hasMessageContaining(
            "EvictWithOtherParameterType.update(int,Object): @CacheEvict(key = \"user:{1}\")"
                + " expands to user:{value} in cache \"users\", where"
                + " EvictWithOtherParameterType.delete(String) expands the same template to"
                + " user:{String}");
  }

  interface NoParameterTemplate {
    @Cached(cache = "users", key = "all-users")
    List<String> findAll();
  }

  @Test
  void build_constantTemplate_accepted() {
    assertThat(
            CacheAside.builder(NoParameterTemplate.class, dummy(NoParameterTemplate.class))
                .cache(users)
                .build())
        .isNotNull();
  }

  interface BothAnnotations {
    @Cached(cache = "users")
    @CacheEvict(cache = "users", all = true)
    String findAndClear(String id);
  }

  @Test
  void build_methodWithBothAnnotations_rejected() {
    assertBuildFails(BothAnnotations.class)
        .hasMessageContaining(
            "BothAnnotations.findAndClear(String): has both @Cached and @CacheEvict");
  }

  interface EvictWithoutKey {
    @CacheEvict(cache = "users")
    void update(String id);
  }

  @Test
  void build_evictWithoutKeyOrAll_rejected() {
    assertBuildFails(EvictWithoutKey.class)
        .hasMessageContaining("EvictWithoutKey.update(String): @CacheEvict needs a key template")
        .hasMessageContaining("or all = true");
  }

  interface EvictKeyAndAll {
    @CacheEvict(cache = "users", key = "{0}", all = true)
    void update(String id);
  }

  @Test
  void build_evictWithKeyAndAll_rejected() {
    assertBuildFails(EvictKeyAndAll.class)
        .hasMessageContaining(
            "EvictKeyAndAll.update(String): @CacheEvict(key = \"{0}\", all = true) sets both");
  }

  /** A mutable entity: no canonical encoding. */
  static final class Session {}

  interface UnsupportedParameter {
    @Cached(cache = "users")
    String find(String id, Session session);

    @CacheEvict(cache = "users", key = "{1}")
    void evict(String id, StringBuilder buffer);
  }

  @Test
  void build_keyUsesParameterOfUnsupportedType_rejectedSuggestingTemplate() {
    assertBuildFails(UnsupportedParameter.class)
        .hasMessageContaining(
            "UnsupportedParameter.find(String,Session): parameter 1 is a "
                + Session.class.getName()
                + ", which has no canonical key encoding")
        .hasMessageContaining("(e.g. key = \"{0}\")")
        .hasMessageContaining(
            "UnsupportedParameter.evict(String,StringBuilder): parameter 1 is a"
                + " java.lang.StringBuilder");
  }

  interface UnsupportedParameterLeftOut {
    @Cached(cache = "users", key = "{0}")
    String find(String id, Session session);
  }

  @Test
  void build_parameterOfUnsupportedTypeLeftOutOfTemplate_accepted() {
    assertThat(
            CacheAside.builder(
                    UnsupportedParameterLeftOut.class, dummy(UnsupportedParameterLeftOut.class))
                .cache(users)
                .build())
        .isNotNull();
  }

  interface SupportedDeclaredTypes {
    @Cached(cache = "users")
    String find(
        Object any,
        Number number,
        CharSequence text,
        java.time.ZoneId zone,
        java.util.ArrayList<String> list,
        int[] ids,
        java.math.BigDecimal amount,
        java.util.Optional<String> maybe,
        Runnable anInterface,
        java.time.DayOfWeek day);
  }

  @Test
  void build_parametersThatMayHoldSupportedValues_accepted() {
    assertThat(
            CacheAside.builder(SupportedDeclaredTypes.class, dummy(SupportedDeclaredTypes.class))
                .cache(users)
                .build())
        .isNotNull();
  }

  interface StaticAnnotated {
    @Cached(cache = "users")
    static String find(String id) {
      return id;
    }
  }

  @Test
  void build_annotatedStaticMethod_rejected() {
    assertBuildFails(StaticAnnotated.class)
        .hasMessageContaining("StaticAnnotated.find(String): is static")
        .hasMessageContaining("remove @Cached");
  }

  interface Plain {
    String find(String id);
  }

  static final class AnnotatedImplementation implements Plain {
    @Override
    @Cached(cache = "users")
    public String find(String id) {
      return id;
    }
  }

  @Test
  void build_annotationOnImplementationInsteadOfInterface_rejected() {
    assertThatThrownBy(
            () ->
                CacheAside.builder(Plain.class, new AnnotatedImplementation()).cache(users).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(
            "Plain.find(String): @Cached is on the implementation "
                + AnnotatedImplementation.class.getName())
        .hasMessageContaining("move it to the method of " + Plain.class.getName());
  }

  interface ManyProblems {
    @Cached(cache = "nope")
    String a(String id);

    @Cached(cache = "users", ttl = "soon")
    String b(String id);

    @CacheEvict(cache = "users")
    void c(String id);
  }

  @Test
  void build_severalProblems_allListedInOneException() {
    assertBuildFails(ManyProblems.class)
        .hasMessageContaining("(3 problems)")
        .hasMessageContaining("ManyProblems.a(String)")
        .hasMessageContaining("ManyProblems.b(String)")
        .hasMessageContaining("ManyProblems.c(String)");
  }
}
