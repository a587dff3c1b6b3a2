package io.strata.cache.aside.internal;

import io.strata.cache.MultiLevelCache;
import io.strata.cache.aside.CacheEvict;
import io.strata.cache.aside.Cached;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.stream.BaseStream;
import org.jspecify.annotations.Nullable;

/**
 * Reads an interface once, checks its annotations and makes the proxy; the engine behind {@link
 * io.strata.cache.aside.CacheAside}.
 */
public final class AsideProxyFactory {

  private AsideProxyFactory() {}

  /**
   * Returns a proxy of {@code type} over {@code target}.
   *
   * @throws IllegalStateException listing every problem found in the annotations
   */
  public static <T> T create(
      Class<T> type, T target, Map<String, MultiLevelCache<String, ?>> caches) {
    List<String> problems = new ArrayList<>();
    Map<Method, MethodHandler> handlers = new HashMap<>();
    List<Method> methods = new ArrayList<>(Arrays.asList(type.getMethods()));
    // A fixed order, so that the list of problems reads the same on every run.
    methods.sort(Comparator.comparing((Method m) -> identity(type, m)));
    List<KeyUse> templates = new ArrayList<>();
    for (Method method : methods) {
      MethodHandler handler = parse(type, target, method, caches, problems, templates);
      if (handler != null) {
        handlers.put(method, handler);
      }
    }
    checkSameKinds(templates, problems);
    if (!problems.isEmpty()) {
      StringBuilder message =
          new StringBuilder("cannot build a cache-aside proxy of ")
              .append(type.getName())
              .append(problems.size() == 1 ? ":" : " (" + problems.size() + " problems):");
      for (String problem : problems) {
        message.append("\n  - ").append(problem);
      }
      throw new IllegalStateException(message.toString());
    }
    AsideInvocationHandler handler = new AsideInvocationHandler(target, handlers);
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
  }

  /** Where a template is used: by which method, over which cache. */
  record KeyUse(String id, String annotation, String cache, KeyFunction keys) {}

  /**
   * Refuses a template whose shape another method uses over the same cache with a String
   * parameter where this one has another type (or the reverse): their keys would never meet, so
   * an eviction would silently miss the entry it is written for.
   */
  private static void checkSameKinds(List<KeyUse> templates, List<String> problems) {
    Map<String, KeyUse> byShape = new HashMap<>();
    for (KeyUse use : templates) {
      KeyUse first = byShape.putIfAbsent(use.cache() + '\0' + use.keys().shape(false), use);
      if (first != null && !first.keys().shape(true).equals(use.keys().shape(true))) {
        problems.add(mixedKinds(use, first));
      }
    }
  }

  private static String mixedKinds(KeyUse use, KeyUse first) {
    return
        use.id()
            + ": "
            + use.annotation()
            + " expands to "
            + use.keys().shape(true)
            + " in cache \""
            + use.cache()
            + "\", where "
            + first.id()
            + " expands the same template to "
            + first.keys().shape(true)
            + "; a String parameter appears as its text and any other type in its canonical"
            + " encoding, so the two never make the same key: declare the parameters with the"
            + " same type";
  }

  /** Returns {@code UserRepository.find(String,int)}: how keys and messages name a method. */
  static String identity(Class<?> type, Method method) {
    StringJoiner parameters = new StringJoiner(",", "(", ")");
    for (Class<?> parameter : method.getParameterTypes()) {
      parameters.add(parameter.getSimpleName());
    }
    return type.getSimpleName() + "." + method.getName() + parameters;
  }

  private static @Nullable MethodHandler parse(
      Class<?> type,
      Object target,
      Method method,
      Map<String, MultiLevelCache<String, ?>> caches,
      List<String> problems,
      List<KeyUse> templates) {
    Cached cached = method.getAnnotation(Cached.class);
    CacheEvict evict = method.getAnnotation(CacheEvict.class);
    String id = identity(type, method);
    if (Modifier.isStatic(method.getModifiers())) {
      if (cached != null || evict != null) {
        problems.add(
            id
                + ": is static, and a proxy only serves instance methods; remove @"
                + (cached != null ? "Cached" : "CacheEvict"));
      }
      return null;
    }
    if (cached != null && evict != null) {
      problems.add(
          id
              + ": has both @Cached and @CacheEvict; a method either reads through a cache or"
              + " evicts from one, so keep one annotation (split the method in two if it must do"
              + " both)");
      return null;
    }
    if (cached == null && evict == null) {
      checkImplementationAnnotations(type, target, method, id, problems);
    }
    int before = problems.size();
    if (!method.trySetAccessible() && !method.canAccess(target)) {
      problems.add(
          id
              + ": cannot be called on the target reflectively; make "
              + type.getName()
              + " public, and on the module path export its package to io.strata.cache.core"
              + " (module-info: exports "
              + type.getPackageName()
              + " to io.strata.cache.core;)");
    }
    MethodHandler handler;
    if (cached != null) {
      handler = parseCached(id, target, method, cached, caches, problems, templates);
    } else if (evict != null) {
      handler = parseEvict(id, target, method, evict, caches, problems, templates);
    } else {
      handler = args -> MethodHandler.call(method, target, args);
    }
    return problems.size() > before ? null : handler;
  }

  private static @Nullable MethodHandler parseCached(
      String id,
      Object target,
      Method method,
      Cached cached,
      Map<String, MultiLevelCache<String, ?>> caches,
      List<String> problems,
      List<KeyUse> templates) {
    int before = problems.size();
    MultiLevelCache<String, Object> cache = cache(id, "@Cached", cached.cache(), caches, problems);
    Class<?> result = method.getReturnType();
    if (result == void.class) {
      problems.add(
          id
              + ": @Cached needs a result to cache, but the method returns void; remove @Cached"
              + " (or use @CacheEvict if the method changes data)");
    } else if (Future.class.isAssignableFrom(result)
        || CompletionStage.class.isAssignableFrom(result)) {
      problems.add(
          id
              + ": @Cached cannot cache a "
              + result.getSimpleName()
              + " (a future is not a value); cache a synchronous method, or call"
              + " MultiLevelCache.getAsync directly");
    } else if (BaseStream.class.isAssignableFrom(result)
        || Iterator.class.isAssignableFrom(result)) {
      problems.add(
          id
              + ": @Cached cannot cache a "
              + result.getSimpleName()
              + ", which can be consumed only once; return a List instead");
    }
    Duration ttl = null;
    if (!cached.ttl().isEmpty()) {
      try {
        ttl = Duration.parse(cached.ttl());
        if (ttl.isNegative() || ttl.isZero()) {
          problems.add(
              id
                  + ": @Cached(ttl = \""
                  + cached.ttl()
                  + "\") must be positive; give a duration such as \"PT10M\", or leave ttl empty"
                  + " to use the cache's TTL policy");
        }
      } catch (DateTimeParseException e) {
        problems.add(
            id
                + ": @Cached(ttl = \""
                + cached.ttl()
                + "\") is not an ISO-8601 duration; write it as java.time.Duration.parse reads"
                + " it, e.g. \"PT30S\" (30 seconds), \"PT10M\" (10 minutes), \"PT1H\", \"P1D\"");
      }
    }
    KeyFunction keys =
        cached.key().isEmpty()
            ? KeyFunction.defaultKey(id, method)
            : KeyFunction.template(
                id, method, cached.key(), "@Cached(key = \"" + cached.key() + "\")", problems);
    if (keys != null) {
      checkKeyParameters(id, method, keys, problems);
    }
    if (problems.size() > before || cache == null || keys == null) {
      return null;
    }
    if (!cached.key().isEmpty()) {
      templates.add(
          new KeyUse(id, "@Cached(key = \"" + cached.key() + "\")", cached.cache(), keys));
    }
    return new CachedHandler(id, method, target, cache, keys, ttl);
  }

  private static @Nullable MethodHandler parseEvict(
      String id,
      Object target,
      Method method,
      CacheEvict evict,
      Map<String, MultiLevelCache<String, ?>> caches,
      List<String> problems,
      List<KeyUse> templates) {
    int before = problems.size();
    MultiLevelCache<String, Object> cache =
        cache(id, "@CacheEvict", evict.cache(), caches, problems);
    KeyFunction keys = null;
    if (evict.all()) {
      if (!evict.key().isEmpty()) {
        problems.add(
            id
                + ": @CacheEvict(key = \""
                + evict.key()
                + "\", all = true) sets both; keep key to evict one entry, or all = true to"
                + " evict every entry");
      }
    } else if (evict.key().isEmpty()) {
      problems.add(
          id
              + ": @CacheEvict needs a key template (the one of the @Cached method whose entry it"
              + " evicts, e.g. key = \"{0}\") or all = true; a default key would name this"
              + " method and match no @Cached entry");
    } else {
      keys =
          KeyFunction.template(
              id, method, evict.key(), "@CacheEvict(key = \"" + evict.key() + "\")", problems);
      if (keys != null) {
        checkKeyParameters(id, method, keys, problems);
      }
    }
    if (problems.size() > before || cache == null) {
      return null;
    }
    if (keys != null) {
      templates.add(
          new KeyUse(id, "@CacheEvict(key = \"" + evict.key() + "\")", evict.cache(), keys));
    }
    return new EvictHandler(method, target, cache, keys);
  }

  @SuppressWarnings("unchecked")
  private static @Nullable MultiLevelCache<String, Object> cache(
      String id,
      String annotation,
      String name,
      Map<String, MultiLevelCache<String, ?>> caches,
      List<String> problems) {
    if (name.isBlank()) {
      problems.add(id + ": " + annotation + "(cache = \"" + name + "\") must name a cache");
      return null;
    }
    MultiLevelCache<String, ?> cache = caches.get(name);
    if (cache == null) {
      problems.add(
          id
              + ": "
              + annotation
              + "(cache = \""
              + name
              + "\") names no registered cache; register it with .cache(...) on the builder"
              + (caches.isEmpty()
                  ? " (no cache is registered)"
                  : " (registered: " + new TreeSet<>(caches.keySet()) + ")"));
      return null;
    }
    return (MultiLevelCache<String, Object>) cache;
  }

  private static void checkKeyParameters(
      String id, Method method, KeyFunction keys, List<String> problems) {
    Class<?>[] types = method.getParameterTypes();
    Parameter[] parameters = method.getParameters();
    for (int index : keys.usedParameters()) {
      if (KeyEncoder.isClearlyUnsupported(types[index])) {
        StringJoiner others = new StringJoiner(":");
        for (int i = 0; i < types.length; i++) {
          if (i != index && !KeyEncoder.isClearlyUnsupported(types[i])) {
            others.add("{" + i + "}");
          }
        }
        problems.add(
            id
                + ": "
                + KeyFunction.parameterLabel(parameters, index)
                + " is a "
                + types[index].getName()
                + ", which has no canonical key encoding; leave it out of the key with a key"
                + " template"
                + (others.length() == 0 ? "" : " (e.g. key = \"" + others + "\")")
                + ", or take "
                + KeyEncoder.SUPPORTED
                + " instead");
      }
    }
  }

  /** Catches annotations placed on the implementation, where they would silently do nothing. */
  private static void checkImplementationAnnotations(
      Class<?> type, Object target, Method method, String id, List<String> problems) {
    Method implementation;
    try {
      implementation = target.getClass().getMethod(method.getName(), method.getParameterTypes());
    } catch (NoSuchMethodException | SecurityException e) {
      return;
    }
    for (Class<? extends java.lang.annotation.Annotation> annotation :
        Arrays.asList(Cached.class, CacheEvict.class)) {
      if (implementation.isAnnotationPresent(annotation)) {
        problems.add(
            id
                + ": @"
                + annotation.getSimpleName()
                + " is on the implementation "
                + target.getClass().getName()
                + ", where the proxy does not see it; move it to the method of "
                + type.getName());
      }
    }
  }

  static boolean returnsOptional(Method method) {
    return method.getReturnType() == Optional.class;
  }
}
