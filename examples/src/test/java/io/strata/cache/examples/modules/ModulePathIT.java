package io.strata.cache.examples.modules;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Strata's jars as a modular application uses them: a small consumer module is compiled against
 * them and run, both on a real module path. It reads the exported API of every library module,
 * and cannot compile against an {@code internal} package.
 */
class ModulePathIT {

  /** The library jars (or class directories) and what they need at run time. */
  private static final Pattern ON_MODULE_PATH =
      Pattern.compile(
          ".*(cache-core|cache-redis|cache-loader-http|cache-metrics|cache-testkit|caffeine"
              + "|slf4j-api|jspecify|lettuce-core|netty-|reactor-core|reactive-streams"
              + "|micrometer-core|micrometer-commons|micrometer-observation|HdrHistogram"
              + "|LatencyUtils|jackson-databind|jackson-core|jackson-annotations"
              + "|junit-jupiter-api|junit-platform-commons|opentest4j|apiguardian|assertj-core"
              + "|byte-buddy).*");

  @TempDir Path work;

  private static String modulePath() {
    String classPath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> entries = new ArrayList<>();
    for (String entry : classPath.split(File.pathSeparator)) {
      String name = Path.of(entry).toString();
      // The Redis tier's test jar (its harness) is not a library module.
      if (ON_MODULE_PATH.matcher(name).matches()
          && !name.contains("test-classes")
          && !name.endsWith("-tests.jar")) {
        entries.add(entry);
      }
    }
    assertThat(entries).as("the library modules on the test class path").hasSizeGreaterThan(4);
    return String.join(File.pathSeparator, entries);
  }

  private static final String MODULE_INFO =
      """
      module strata.consumer {
        requires io.strata.cache.redis;
        requires io.strata.cache.http;
        requires io.strata.cache.metrics;
      }
      """;

  private static final String MAIN =
      """
      package consumer;

      import io.strata.cache.MultiLevelCache;
      import io.strata.cache.http.HttpLoader;
      import io.strata.cache.metrics.StrataCacheMetrics;
      import io.strata.cache.redis.RedisTier;

      public final class Main {
        public static void main(String[] args) {
          try (MultiLevelCache<String, String> cache =
              MultiLevelCache.<String, String>builder("modular").loader(key -> "loaded-" + key).build()) {
            System.out.println(cache.get("k"));
          }
          System.out.println(RedisTier.class.getModule().getName());
          System.out.println(HttpLoader.class.getModule().getName());
          System.out.println(StrataCacheMetrics.class.getModule().getName());
          System.out.println(MultiLevelCache.class.getModule().getName());
        }
      }
      """;

  /**
   * A consumer of the decorator, the JSON codec and the test kit, with the two grants the README
   * says the module path needs: its repository interface exported to Strata's core, its value
   * class open to Jackson.
   */
  private static final String ADOPTER_MODULE_INFO =
      """
      module strata.adopter {
        requires io.strata.cache.core;
        requires io.strata.cache.testkit;
        requires com.fasterxml.jackson.databind;
        exports adopter.repository to io.strata.cache.core;
        opens adopter.values to com.fasterxml.jackson.databind;
      }
      """;

  private static final Map<String, String> ADOPTER =
      Map.of(
          "adopter/values/Book.java",
          """
          package adopter.values;

          public record Book(String isbn, String title) {}
          """,
          "adopter/repository/Books.java",
          """
          package adopter.repository;

          import adopter.values.Book;
          import io.strata.cache.aside.Cached;

          public interface Books {
            @Cached(cache = "books", key = "book:{0}")
            Book find(String isbn);
          }
          """,
          "adopter/Main.java",
          """
          package adopter;

          import adopter.repository.Books;
          import adopter.values.Book;
          import io.strata.cache.MultiLevelCache;
          import io.strata.cache.aside.CacheAside;
          import io.strata.cache.codec.Codec;
          import io.strata.cache.testkit.InMemoryTier;
          import java.util.concurrent.atomic.AtomicInteger;

          public final class Main {
            public static void main(String[] args) throws Exception {
              Codec<Book> codec = Codec.json(Book.class);
              AtomicInteger calls = new AtomicInteger();
              try (MultiLevelCache<String, Book> books =
                  MultiLevelCache.<String, Book>builder("books")
                      .tier(InMemoryTier.factory("shared", new InMemoryTier.Store(), codec))
                      .build()) {
                Books repository =
                    CacheAside.builder(Books.class, isbn -> {
                          calls.incrementAndGet();
                          return new Book(isbn, "title of " + isbn);
                        })
                        .cache(books)
                        .build();
                repository.find("42");
                System.out.println(repository.find("42"));
                System.out.println("calls " + calls.get());
                System.out.println("cached under book:42 " + (books.getIfPresent("book:42") != null));
              }
              byte[] json = codec.encode(new Book("1", "t"));
              System.out.println(new String(json, "UTF-8"));
              System.out.println(codec.decode(json));
            }
          }
          """);

  /** Compiles the module under {@code sources}; returns the compiler's errors, empty if none. */
  private static String compile(Path sources, Path out, String modulePath) throws IOException {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    List<String> arguments =
        new ArrayList<>(List.of("--module-path", modulePath, "-d", out.toString()));
    try (var files = Files.walk(sources)) {
      files.filter(p -> p.toString().endsWith(".java")).forEach(p -> arguments.add(p.toString()));
    }
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    int status = javac.run(null, null, errors, arguments.toArray(String[]::new));
    return status == 0 ? "" : errors.toString(StandardCharsets.UTF_8);
  }

  private Path sources(String name, String moduleInfo, String main) throws IOException {
    Path root = Files.createDirectories(work.resolve(name));
    Files.writeString(root.resolve("module-info.java"), moduleInfo);
    Path pkg = Files.createDirectories(root.resolve("consumer"));
    Files.writeString(pkg.resolve("Main.java"), main);
    return root;
  }

  @Test
  void aConsumerModule_compilesAgainstTheExportedApi_andRunsOnTheModulePath() throws Exception {
    String modulePath = modulePath();
    Path out = work.resolve("out");

    assertThat(compile(sources("src", MODULE_INFO, MAIN), out, modulePath)).isEmpty();

    Launched run = launch(out, modulePath, "strata.consumer/consumer.Main");
    assertThat(run.exitStatus()).as(run.output()).isZero();
    assertThat(run.lines())
        .as(run.output())
        .containsSubsequence(
            "loaded-k",
            "io.strata.cache.redis",
            "io.strata.cache.http",
            "io.strata.cache.metrics",
            "io.strata.cache.core");
  }

  private Path sources(String name, String moduleInfo, Map<String, String> files)
      throws IOException {
    Path root = Files.createDirectories(work.resolve(name));
    Files.writeString(root.resolve("module-info.java"), moduleInfo);
    for (Map.Entry<String, String> file : files.entrySet()) {
      Path path = root.resolve(file.getKey());
      Files.createDirectories(path.getParent());
      Files.writeString(path, file.getValue());
    }
    return root;
  }

  /** What a program run on the module path printed (out and err), and its exit status. */
  private record Launched(int exitStatus, String output) {
    List<String> lines() {
      return Arrays.asList(output.split("\\R"));
    }
  }

  /** Runs {@code main} ({@code module/class}) with {@code out} and the library on the module path. */
  private static Launched launch(Path out, String modulePath, String main) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process run =
        new ProcessBuilder(
                java.toString(), "--module-path", out + File.pathSeparator + modulePath, "-m", main)
            .redirectErrorStream(true)
            .start();
    String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(run.waitFor(60, TimeUnit.SECONDS)).as(output).isTrue();
    return new Launched(run.exitValue(), output);
  }

  @Test
  void anAdopterModule_usesTheDecoratorTheJsonCodecAndTheTestKit_withTheGrantsTheReadmeNames()
      throws Exception {
    String modulePath = modulePath();
    Path out = work.resolve("adopter-out");

    assertThat(compile(sources("adopter", ADOPTER_MODULE_INFO, ADOPTER), out, modulePath))
        .isEmpty();

    Launched run = launch(out, modulePath, "strata.adopter/adopter.Main");
    assertThat(run.exitStatus()).as(run.output()).isZero();
    assertThat(run.lines())
        .containsSubsequence(
            "Book[isbn=42, title=title of 42]",
            "calls 1",
            "cached under book:42 true",
            "{\"isbn\":\"1\",\"title\":\"t\"}",
            "Book[isbn=1, title=t]");
  }

  /** Compiles the adopter without {@code grant} and runs it; returns what it printed. */
  private String runWithout(String grant, String name) throws Exception {
    String modulePath = modulePath();
    Path out = work.resolve(name + "-out");
    assertThat(ADOPTER_MODULE_INFO).contains(grant);
    String moduleInfo = ADOPTER_MODULE_INFO.replace(grant, "");
    assertThat(compile(sources(name, moduleInfo, ADOPTER), out, modulePath)).isEmpty();
    Launched run = launch(out, modulePath, "strata.adopter/adopter.Main");
    assertThat(run.exitStatus()).as(run.output()).isNotZero();
    return run.output();
  }

  @Test
  void withoutTheExport_theDecoratorSaysWhatToExport() throws Exception {
    assertThat(runWithout("exports adopter.repository to io.strata.cache.core;", "no-export"))
        .contains(
            "Books.find(String): cannot be called on the target reflectively; make"
                + " adopter.repository.Books public, and on the module path export its package"
                + " to io.strata.cache.core (module-info: exports adopter.repository to"
                + " io.strata.cache.core;)");
  }

  @Test
  void withoutTheOpens_theJsonCodecSaysWhatToOpen() throws Exception {
    String output =
        runWithout("opens adopter.values to com.fasterxml.jackson.databind;", "no-opens");
    assertThat(output)
        .contains("cannot encode a adopter.values.Book as JSON")
        .contains(
            "on the module path, open its package to Jackson (module-info: opens adopter.values"
                + " to com.fasterxml.jackson.databind;)");
  }

  @Test
  void theEnginesInternalPackages_areNotExported() throws Exception {
    String reachingIn =
        MAIN.replace(
            "import io.strata.cache.MultiLevelCache;",
            "import io.strata.cache.MultiLevelCache;\nimport io.strata.cache.internal.LoadExecutor;");

    String errors =
        compile(sources("internal", MODULE_INFO, reachingIn), work.resolve("o2"), modulePath());

    assertThat(errors).contains("io.strata.cache.internal").contains("is not visible");
  }
}
