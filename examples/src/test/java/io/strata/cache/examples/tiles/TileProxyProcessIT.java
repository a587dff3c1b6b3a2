package io.strata.cache.examples.tiles;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The proxy as the README runs it: {@code TileProxy.main} in its own JVM, configured only by the
 * environment, with the built-in upstream and no Redis. Stopped by its pid.
 */
class TileProxyProcessIT {

  private static final Pattern LISTENING = Pattern.compile("listening on (http://127\\.0\\.0\\.1:\\d+)/");

  @Test
  void main_withPort0_printsOneLine_andServesTiles() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder =
        new ProcessBuilder(
            java, "-cp", System.getProperty("java.class.path"), TileProxy.class.getName());
    builder.environment().put("PORT", "0");
    builder.environment().remove("UPSTREAM_URL");
    builder.environment().remove("REDIS_URL");
    builder.redirectErrorStream(true);
    Process process = builder.start();
    try {
      List<String> lines = new ArrayList<>();
      URI base = null;
      try (BufferedReader out =
          new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (int i = 0; i < 50 && base == null; i++) { // bounded: the line comes first
          String line = out.readLine();
          if (line == null) {
            break;
          }
          lines.add(line);
          Matcher m = LISTENING.matcher(line);
          if (m.find()) {
            base = URI.create(m.group(1));
            assertThat(line)
                .startsWith("tile-proxy listening on http://127.0.0.1:")
                .contains("tiers: local only")
                .contains("upstream: http://127.0.0.1:")
                .contains("built-in fake tile server");
          }
        }
        assertThat(base).as("the startup line, among %s", lines).isNotNull();

        assertThat(Http.xCache(Http.get(base, "/tiles/2/1/3.png"))).isEqualTo("MISS");
        assertThat(Http.xCache(Http.get(base, "/tiles/2/1/3.png"))).isEqualTo("HIT-LOCAL");
        assertThat(Http.get(base, "/tiles/2/4/3.png").statusCode()).isEqualTo(404);
        assertThat(Http.get(base, "/health").statusCode()).isEqualTo(200);
        assertThat(Http.text(Http.get(base, "/metrics"))).contains("cache_gets_total");
      }
    } finally {
      ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroy);
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
