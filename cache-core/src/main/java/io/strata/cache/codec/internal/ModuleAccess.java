package io.strata.cache.codec.internal;

import java.lang.reflect.InaccessibleObjectException;

/**
 * Says what to open when Jackson fails on a value class it cannot reach: on the module path, a
 * class Jackson reads or writes reflectively must be in a package open to Jackson's module, and
 * Jackson's own error names only the member it could not call.
 */
final class ModuleAccess {

  private ModuleAccess() {}

  /**
   * Returns {@code "; ... opens <package> to <jackson>;"} if {@code failure} comes from a module
   * boundary (Jackson keeps the cause, or only its name in the message) and {@code valueClass} is
   * an application class in a named module that does not open its package to {@code jackson};
   * else {@code ""}.
   */
  static String hint(Throwable failure, Class<?> valueClass, Module jackson) {
    Module module = valueClass.getModule();
    String pkg = valueClass.getPackageName();
    ClassLoader loader = valueClass.getClassLoader();
    if (!module.isNamed()
        || module.isOpen(pkg, jackson)
        || loader == null
        || loader == ClassLoader.getPlatformClassLoader()
        || !causedByModuleBoundary(failure)) {
      return "";
    }
    return "; on the module path, open its package to Jackson (module-info: opens "
        + pkg
        + " to "
        + (jackson.isNamed() ? jackson.getName() : "the Jackson module")
        + ";)";
  }

  private static boolean causedByModuleBoundary(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      String message = cause.getMessage();
      if (cause instanceof InaccessibleObjectException
          || (message != null && message.contains("InaccessibleObjectException"))) {
        return true;
      }
    }
    return false;
  }
}
