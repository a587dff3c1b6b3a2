package io.strata.cache.aside;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CacheKeysCrossJvmTest {

  @Test
  void of_sameArgumentsInAnotherJvm_sameKeysThoughHashCodesDiffer(@TempDir Path dir)
      throws Exception {
    String java =
        System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    Path stderr = dir.resolve("stderr.txt");
    Process process =
        new ProcessBuilder(
                java,
                "-XX:+IgnoreUnrecognizedVMOptions",
                // Every identity hash is 1 in the child, so enum and record hashCodes (and hash
                // set orders) there certainly differ from this JVM's.
                "-XX:+UnlockExperimentalVMOptions",
                "-XX:hashCode=2",
                "-cp",
                System.getProperty("java.class.path"),
                KeyDeterminismMain.class.getName())
            .redirectError(stderr.toFile())
            .start();
    byte[] output = process.getInputStream().readAllBytes();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
    assertThat(process.exitValue())
        .as("child JVM exit code; stderr: %s", Files.readString(stderr))
        .isZero();

    List<String> lines = new ArrayList<>(new String(output, UTF_8).lines().toList());
    String hashLine = lines.remove(0);

    assertThat(hashLine)
        .as("an identity-based hashCode differs between the JVMs")
        .isNotEqualTo("hash " + KeyDeterminismMain.hashProbe());
    assertThat(lines).isEqualTo(KeyDeterminismMain.keys());
  }
}
