package io.strata.cache.redis.harness;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Closes what a test opened (clients, caches, proxies), last opened first, after each test:
 * {@code @RegisterExtension final CloseAfterEach closer = new CloseAfterEach();} then {@code
 * closer.add(resource)}. Every resource is closed even if one fails; the first failure is thrown.
 */
public final class CloseAfterEach implements AfterEachCallback {

  private final List<AutoCloseable> resources = new ArrayList<>();

  /** Registers {@code resource} to be closed after the test, and returns it. */
  public synchronized <T extends AutoCloseable> T add(T resource) {
    resources.add(resource);
    return resource;
  }

  @Override
  public synchronized void afterEach(ExtensionContext context) throws Exception {
    Exception first = null;
    for (int i = resources.size() - 1; i >= 0; i--) {
      try {
        resources.get(i).close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    resources.clear();
    if (first != null) {
      throw first;
    }
  }
}
