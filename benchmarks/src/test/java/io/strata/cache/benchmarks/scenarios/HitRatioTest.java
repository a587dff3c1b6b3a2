package io.strata.cache.benchmarks.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class HitRatioTest {

  private final HitRatio scenario = new HitRatio(10_000, 0.99, 1_000, 2_000, 10_000);

  @Test
  void zipf_drawsEachRankWithItsProbability_andTheSameSequenceForTheSameSeed() {
    HitRatio.Zipf zipf = new HitRatio.Zipf(10_000, 0.99);
    double harmonic = 0;
    for (int i = 1; i <= 10_000; i++) {
      harmonic += 1 / Math.pow(i, 0.99);
    }
    assertThat(zipf.probability(0)).isCloseTo(1 / harmonic, within(1e-12));
    assertThat(zipf.probability(9)).isCloseTo(1 / Math.pow(10, 0.99) / harmonic, within(1e-12));

    int draws = 200_000;
    int[] counts = new int[10_000];
    SplittableRandom random = new SplittableRandom(1);
    for (int i = 0; i < draws; i++) {
      counts[zipf.next(random)]++;
    }
    for (int rank : new int[] {0, 1, 9, 99}) {
      double expected = zipf.probability(rank) * draws;
      assertThat((double) counts[rank]).isCloseTo(expected, within(5 * Math.sqrt(expected)));
    }
    SplittableRandom a = new SplittableRandom(7);
    SplittableRandom b = new SplittableRandom(7);
    for (int i = 0; i < 1_000; i++) {
      assertThat(zipf.next(a)).isEqualTo(zipf.next(b)).isBetween(0, 9_999);
    }
  }

  @Test
  void caffeineAlone_servesStaleReads_andLoadsOncePerMiss() {
    HitRatio.Result result = scenario.run("caffeine", scenario::caffeineAlone);

    assertThat(result.reads() + result.writes()).isEqualTo(10_000);
    assertThat(result.writes()).isBetween(900L, 1_100L);
    assertThat(result.localHits() + result.misses()).isEqualTo(result.reads());
    assertThat(result.redisHits()).isZero();
    assertThat(result.sourceLoads()).isEqualTo(result.misses());
    assertThat(result.staleReads()).isPositive();
    assertThat(result.hitRatio()).isEqualTo(result.localHitRatio()).isBetween(0.3, 0.95);
    assertThat(result.sourceLoadsPer1000Reads())
        .isCloseTo(result.misses() * 1000.0 / result.reads(), within(1e-9));
  }

  @Test
  void aSharedCoherentStore_servesNoStaleRead_andLoadsEachKeyOnceAtMost() {
    HitRatio.Result result = scenario.run("shared", SharedMap::new);

    assertThat(result.staleReads()).isZero();
    assertThat(result.misses()).isEqualTo(result.sourceLoads());
    assertThat(result.redisHits()).isEqualTo(result.reads() - result.misses());
    assertThat(result.misses()).isLessThan(scenario.keys());
    assertThat(result.hitRatio())
        .isGreaterThan(scenario.run("caffeine", scenario::caffeineAlone).hitRatio());
  }

  @Test
  void aSubjectReturningANewerVersionThanTheSource_failsTheRun() {
    assertThatThrownBy(
            () ->
                scenario.run(
                    "liar",
                    source ->
                        new SharedMap(source) {
                          @Override
                          public HitRatio.Served read(int instance, String key) {
                            int rank = Integer.parseInt(key.substring(1));
                            return new HitRatio.Served(HitRatio.value(rank, 1_000_000), "local");
                          }
                        }))
        .hasMessageContaining("liar returned version 1000000");
  }

  @Test
  void aLocalBoundNotBelowTheKeys_isRefused() {
    assertThatThrownBy(() -> new HitRatio(100, 0.99, 100, 0, 10))
        .hasMessageContaining("localBound must be below keys (100), but was 100");
  }

  /** One unbounded map both instances share: every write is seen at once by both. */
  private static class SharedMap implements HitRatio.Pair {
    private final Function<String, byte[]> source;
    private final Map<String, byte[]> map = new HashMap<>();

    SharedMap(Function<String, byte[]> source) {
      this.source = source;
    }

    @Override
    public HitRatio.Served read(int instance, String key) {
      byte[] held = map.get(key);
      if (held != null) {
        return new HitRatio.Served(held, "shared");
      }
      byte[] loaded = source.apply(key);
      map.put(key, loaded);
      return new HitRatio.Served(loaded, null);
    }

    @Override
    public void write(int instance, String key, byte[] value) {
      map.put(key, value);
    }

    @Override
    public void close() {}
  }
}
