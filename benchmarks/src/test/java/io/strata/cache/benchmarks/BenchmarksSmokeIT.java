package io.strata.cache.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.benchmarks.peers.RedissonPropagationPair;
import io.strata.cache.benchmarks.scenarios.CoalescedColdKey;
import io.strata.cache.benchmarks.scenarios.HitRatio;
import io.strata.cache.benchmarks.scenarios.InvalidationPropagation;
import io.strata.cache.redis.harness.RedisExtension;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs every benchmark once, briefly and in this JVM, against a real redis-server, and the
 * scenarios on a small scale: the suite must keep working (its setups check that each benchmark
 * measures what it says, e.g. that a remote hit really reached Redis). Timing is not asserted.
 */
class BenchmarksSmokeIT {

  @RegisterExtension static final RedisExtension REDIS = RedisExtension.standalone();

  @BeforeAll
  static void pointTheBenchmarksAtRedis() {
    System.setProperty(Bench.REDIS_PROPERTY, REDIS.uri());
  }

  @AfterAll
  static void forgetRedis() {
    System.clearProperty(Bench.REDIS_PROPERTY);
  }

  @Test
  void everyBenchmarkRuns() throws Exception {
    Collection<RunResult> results =
        new Runner(
                new OptionsBuilder()
                    .include("io\\.strata\\.cache\\.benchmarks\\..*Benchmark\\.")
                    .forks(0)
                    .warmupIterations(0)
                    .measurementIterations(1)
                    .measurementTime(TimeValue.milliseconds(100))
                    .threads(1)
                    .shouldFailOnError(true)
                    .build())
            .run();

    Set<String> ran =
        results.stream().map(r -> r.getParams().getBenchmark()).collect(Collectors.toSet());
    assertThat(ran).containsExactlyInAnyOrderElementsOf(declaredBenchmarks());
    assertThat(results).allSatisfy(r -> assertThat(r.getPrimaryResult().getScore()).isPositive());
  }

  @Test
  void rounds_measureEveryMethodInEveryRound_andSurviveTheTripThroughJson(@TempDir Path dir)
      throws Exception {
    List<PairedRounds.Method> measured =
        PairedRounds.run(new PairedRounds.Plan("GetAllBenchmark", 1, 1, 3, 100));

    assertThat(measured)
        .extracting(PairedRounds.Method::benchmark)
        .containsExactly(
            "GetAllBenchmark.lettuce_pipeline100",
            "GetAllBenchmark.strata_getAll100",
            "GetAllBenchmark.strata_sequentialGet100");
    assertThat(measured)
        .allSatisfy(
            m -> {
              assertThat(m.rounds()).hasSize(3).allSatisfy(score -> assertThat(score).isPositive());
              assertThat(m.operations()).isPositive();
              // Every measured getAll of 100 keys reached Redis: 100 HGETALLs each at least.
              assertThat(m.cost().commands().get("hgetall").calls())
                  .isGreaterThanOrEqualTo(m.operations());
            });
    Path file = dir.resolve("rounds.json");
    PairedRounds.write(measured, file);
    assertThat(PairedRounds.read(file)).isEqualTo(measured);
  }

  @Test
  void coldKey_strataLoadsOncePerRound() throws Exception {
    CoalescedColdKey cold =
        new CoalescedColdKey(200, 20, "platform", CoalescedColdKey.platformThreads());
    try (Bench.StrataOnRedis strata = new Bench.StrataOnRedis("smoke-cold", UnaryOperator.identity())) {
      CoalescedColdKey.Result result =
          cold.run("strata", (key, loader) -> strata.cache.get(key, loader::apply), 1, 2);
      assertThat(result.maxLoadsPerRound()).isEqualTo(1);
      assertThat(result.p50Millis()).isPositive();
      assertThat(result.loaderStartMillis()).as("the loader's start, after a walk of Redis").isPositive();
    }
    ConcurrentHashMap<String, byte[]> map = new ConcurrentHashMap<>();
    assertThat(cold.run("chm", map::computeIfAbsent, 0, 1).maxLoadsPerRound()).isEqualTo(1);
  }

  @Test
  void coldKey_interleaved_givesEachSubjectItsOwnRoundsAndLoads() throws Exception {
    CoalescedColdKey cold =
        new CoalescedColdKey(100, 5, "platform", CoalescedColdKey.platformThreads());
    ConcurrentHashMap<String, byte[]> map = new ConcurrentHashMap<>();
    Map<String, CoalescedColdKey.Reader> subjects = new LinkedHashMap<>();
    subjects.put("chm", map::computeIfAbsent);
    subjects.put("uncoalesced", (key, loader) -> loader.apply(key));

    List<CoalescedColdKey.Result> results = cold.runInterleaved(subjects, 1, 3);

    assertThat(results).extracting(CoalescedColdKey.Result::subject).containsExactly("chm", "uncoalesced");
    assertThat(results).extracting(CoalescedColdKey.Result::rounds).containsExactly(3, 3);
    // Each subject counts its own loader's calls: one per round coalesced, one per caller not.
    assertThat(results.get(0).maxLoadsPerRound()).isEqualTo(1);
    assertThat(results.get(1).maxLoadsPerRound()).isEqualTo(100);
    // 3 rounds of 2 subjects, keys fresh each round: the map holds the 1 + 3 keys of "chm" alone.
    assertThat(map).hasSize(4);
  }

  @Test
  void propagation_losesNoInvalidation_inStrataOrRedisson() {
    InvalidationPropagation propagation = new InvalidationPropagation();
    try (PropagationPair strata = new StrataPropagationPair("smoke-propagation")) {
      InvalidationPropagation.Result result = propagation.run("strata", strata, 10, 100, 500);
      assertThat(result.lost()).isZero();
      assertThat(result.samples()).isEqualTo(100);
    }
    try (PropagationPair redisson = RedissonPropagationPair.create(REDIS.uri(), "smoke-redisson")) {
      InvalidationPropagation.Result result = propagation.run("redisson", redisson, 10, 100, 500);
      assertThat(result.lost()).isZero();
    }
  }

  @Test
  void hitRatio_strataServesNoStaleRead_andHitsAtLeastAsOftenAsCaffeineAlone() {
    HitRatio scenario = new HitRatio(10_000, 0.99, 1_000, 2_000, 5_000);
    HitRatio.Result strata =
        scenario.run("strata", source -> scenario.strata("smoke-hit-ratio", source));
    HitRatio.Result caffeine = scenario.run("caffeine", scenario::caffeineAlone);

    assertThat(strata.reads() + strata.writes()).isEqualTo(5_000);
    assertThat(strata.reads()).isEqualTo(caffeine.reads());
    assertThat(strata.localHits() + strata.redisHits() + strata.misses()).isEqualTo(strata.reads());
    assertThat(strata.sourceLoads()).isEqualTo(strata.misses());
    assertThat(strata.redisHits()).isPositive();
    assertThat(strata.staleReads()).isZero();
    // No write whose invalidation the other instance was not seen to apply within 2 s: a lost or
    // late push. (Up to 2 were allowed while the harness counted every load as stored in Redis; it
    // asks Redis since: 0 in each of 65 runs, this size and larger.)
    assertThat(strata.unsettled()).isZero();
    assertThat(caffeine.staleReads()).isPositive();
    assertThat(strata.hitRatio()).isGreaterThanOrEqualTo(caffeine.hitRatio());
  }

  private static List<String> declaredBenchmarks() {
    return Arrays.stream(
            new Class<?>[] {
              LocalHitBenchmark.class, RemoteHitBenchmark.class, PutBenchmark.class,
              GetAllBenchmark.class
            })
        .flatMap(
            type ->
                Arrays.stream(type.getDeclaredMethods())
                    .filter(m -> m.isAnnotationPresent(Benchmark.class))
                    .map(Method::getName)
                    .map(name -> type.getName() + "." + name))
        .toList();
  }
}
