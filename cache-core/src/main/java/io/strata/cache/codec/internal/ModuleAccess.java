package io.strata.cache.codec.internal;

/**
 * Says what to open when Jackson fails on a value class it cannot reach: on the module path, a
 * class Jackson reads or writes reflectively must be in a package open to Jackson's module, and
 * Jackson's own error names only the member it could not call (it drops the cause).
 */
final class ModuleAccess {

  private ModuleAccess() {}

  /**
   * Returns {@code "; ... opens <package> to <jackson>;"} if {@code valueClass} is in a named
   * module that does not open its package to {@code jackson}, else {@code ""}.
   */
  static String hint(Class<?> valueClass, Module jackson) {
    Module module = valueClass.getModule();
    String pkg = valueClass.getPackageName();
    if (!module.isNamed() || module.isOpen(pkg, jackson)) {
      return "";
    }
    return "; on the module path, open its package to Jackson (module-info: opens "
        + pkg
        + " to "
        + (jackson.isNamed() ? jackson.getName() : "the Jackson module")
        + ";)";
  }
}
