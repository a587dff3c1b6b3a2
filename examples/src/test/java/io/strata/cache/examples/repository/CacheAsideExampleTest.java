package io.strata.cache.examples.repository;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CacheAsideExampleTest {

  @Test
  void reads_hitTheRepositoryOncePerKey_andUpdateEvicts() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    List<String> served =
        CacheAsideExample.run(new PrintStream(bytes, true, StandardCharsets.UTF_8), Duration.ZERO);

    // lisboa, lisboa, porto, lisboa, porto, atlantis (absent), atlantis (remembered absent),
    // then after update(lisboa): lisboa reloaded once, then local again.
    assertThat(served)
        .containsExactly(
            "repository", "local", "repository", "local", "local", "repository", "local",
            "repository", "local");
    String printed = bytes.toString(StandardCharsets.UTF_8);
    assertThat(printed)
        .contains("repository calls: 5 for 9 reads and 1 update")
        .contains("LocalInfo[name=Lisboa, region=Lisboa, population=567131]");
    assertThat(printed).containsPattern("hit ratio 0\\.5[0-9]");
  }
}
