package io.strata.cache.aside.internal;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The proxy's handler: looks up the handler made for the method at build time and runs it. {@code
 * equals}, {@code hashCode} and {@code toString} go to the target. Immutable and thread-safe.
 */
final class AsideInvocationHandler implements InvocationHandler {

  private static final Object[] NO_ARGS = {};

  private final Object target;
  private final Map<Method, MethodHandler> handlers;

  AsideInvocationHandler(Object target, Map<Method, MethodHandler> handlers) {
    this.target = target;
    this.handlers = Map.copyOf(handlers);
  }

  @Override
  public @Nullable Object invoke(Object proxy, Method method, @Nullable Object @Nullable [] args)
      throws Throwable {
    Object[] arguments = args == null ? NO_ARGS : args;
    MethodHandler handler = handlers.get(method);
    if (handler != null) {
      return handler.invoke(arguments);
    }
    if (method.getDeclaringClass() == Object.class) {
      switch (method.getName()) {
        case "equals":
          return target.equals(unwrap(arguments[0]));
        case "hashCode":
          return target.hashCode();
        case "toString":
          return target.toString();
        default:
          break;
      }
    }
    // Not seen at build time (cannot happen for a method of the interface): pass it through.
    method.trySetAccessible();
    return MethodHandler.call(method, target, arguments);
  }

  /** Returns the target of {@code other} if it is a cache-aside proxy, else {@code other}. */
  private static @Nullable Object unwrap(@Nullable Object other) {
    if (other != null
        && Proxy.isProxyClass(other.getClass())
        && Proxy.getInvocationHandler(other) instanceof AsideInvocationHandler handler) {
      return handler.target;
    }
    return other;
  }
}
