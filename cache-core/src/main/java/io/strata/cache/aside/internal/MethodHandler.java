package io.strata.cache.aside.internal;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;

/** What a proxy does for one interface method; made once at build, called on every invocation. */
@FunctionalInterface
interface MethodHandler {

  /** Handles one call; {@code args} is never null (empty for no arguments). */
  @Nullable Object invoke(@Nullable Object[] args) throws Throwable;

  /** Calls {@code method} on {@code target}, throwing what the target threw, unwrapped. */
  static @Nullable Object call(Method method, Object target, @Nullable Object[] args)
      throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  /**
   * Returns what to throw for a {@link CompletionException} from the cache: its cause when the
   * cause is unchecked or {@code method} declares it, so that the caller sees what the target
   * threw; otherwise the exception itself.
   */
  static Throwable unwrap(CompletionException e, Method method) {
    Throwable cause = e;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause == e || cause instanceof RuntimeException || cause instanceof Error) {
      return cause;
    }
    for (Class<?> declared : method.getExceptionTypes()) {
      if (declared.isInstance(cause)) {
        return cause;
      }
    }
    return e;
  }
}
