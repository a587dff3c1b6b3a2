package io.strata.cache.redis.harness;

import java.util.ArrayList;
import java.util.List;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/** The Testcontainers fallback, in its own class so Testcontainers loads only when used. */
final class ContainerSource {

  static final String IMAGE = "redis:7.0";

  private ContainerSource() {}

  static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  /** A running container; {@code close()} removes it. */
  static final class Started implements AutoCloseable {
    final String host;
    final int port;
    private final GenericContainer<?> container;

    Started(GenericContainer<?> container) {
      this.container = container;
      this.host = container.getHost();
      this.port = container.getMappedPort(6379);
    }

    @Override
    public void close() {
      container.stop();
    }
  }

  /** Starts {@code redis:7.0} with no persistence and the extra config lines as arguments. */
  static Started start(List<String> extraConfigLines) {
    List<String> cmd = new ArrayList<>(List.of("redis-server", "--save", "", "--appendonly", "no"));
    for (String line : extraConfigLines) {
      String[] words = line.trim().split("\\s+");
      if (words.length == 0 || words[0].isEmpty()) {
        continue;
      }
      cmd.add("--" + words[0]);
      for (int i = 1; i < words.length; i++) {
        cmd.add(words[i]);
      }
    }
    GenericContainer<?> container =
        new GenericContainer<>(DockerImageName.parse(IMAGE))
            .withExposedPorts(6379)
            .withCommand(cmd.toArray(String[]::new));
    container.start();
    try {
      return new Started(container);
    } catch (RuntimeException e) {
      container.stop();
      throw e;
    }
  }
}
