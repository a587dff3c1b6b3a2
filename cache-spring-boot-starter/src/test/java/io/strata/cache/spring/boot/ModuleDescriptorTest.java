package io.strata.cache.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleDescriptor.Exports;
import java.lang.module.ModuleDescriptor.Opens;
import java.lang.module.ModuleDescriptor.Requires;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The starter's compiled module descriptor: what it exports, opens and requires. */
class ModuleDescriptorTest {

  private static ModuleDescriptor descriptor() throws IOException {
    // Tests run on the class path, where several jars hold a module-info.class: read ours.
    try (InputStream in =
        java.nio.file.Files.newInputStream(
            java.nio.file.Path.of(
                    StrataCacheAutoConfiguration.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve("module-info.class"))) {
      return ModuleDescriptor.read(in);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void exportsTheApiPackageOnly_andOpensItToSpringOnly() throws IOException {
    ModuleDescriptor module = descriptor();
    assertThat(module.name()).isEqualTo("io.strata.cache.spring.boot");
    assertThat(module.exports().stream().map(Exports::source))
        .containsExactly("io.strata.cache.spring.boot");
    assertThat(module.exports()).allMatch(e -> !e.isQualified());
    // io.strata.cache.spring.boot.internal is neither exported nor opened.
    Map<String, Set<String>> opens =
        module.opens().stream().collect(Collectors.toMap(Opens::source, Opens::targets));
    assertThat(opens).containsOnlyKeys("io.strata.cache.spring.boot");
    assertThat(opens.get("io.strata.cache.spring.boot"))
        .containsExactlyInAnyOrder("spring.core", "spring.beans", "spring.context");
  }

  @Test
  void optionalIntegrations_areRequiresStatic() throws IOException {
    Map<String, Set<Requires.Modifier>> requires =
        descriptor().requires().stream()
            .collect(Collectors.toMap(Requires::name, Requires::modifiers));
    for (String optional :
        Set.of("spring.boot.cache", "spring.boot.health", "io.strata.cache.metrics",
            "micrometer.core", "tools.jackson.databind", "org.jspecify")) {
      assertThat(requires.get(optional)).as(optional).contains(Requires.Modifier.STATIC);
    }
    for (String needed :
        Set.of("io.strata.cache.spring", "io.strata.cache.redis", "spring.boot",
            "spring.boot.autoconfigure")) {
      assertThat(requires.get(needed)).as(needed)
          .contains(Requires.Modifier.TRANSITIVE)
          .doesNotContain(Requires.Modifier.STATIC);
    }
  }
}
