package io.strata.cache.examples.tiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class TilePathTest {

  @Test
  void parse_validTile_givesCanonicalKey() {
    assertThat(TilePath.parse("/tiles/15/16384/10900.png").key()).isEqualTo("15/16384/10900");
    assertThat(TilePath.parse("/tiles/3/04/5.png")).isEqualTo(TilePath.parse("/tiles/3/4/5.png"));
    assertThat(TilePath.parse("/tiles/0/0/0.png").toString()).isEqualTo("/tiles/0/0/0.png");
    assertThat(TilePath.parse("/tiles/22/4194303/4194303.png").z()).isEqualTo(22);
  }

  @ParameterizedTest
  @CsvSource({
    "/tiles/23/0/0.png, z must be between 0 and 22",
    "/tiles/0/1/0.png, x must be between 0 and 0 at z=0",
    "/tiles/3/8/0.png, x must be between 0 and 7 at z=3",
    "/tiles/3/0/8.png, y must be between 0 and 7 at z=3",
    "/tiles/99999999/0/0.png, z must be between 0 and 22",
  })
  void parse_outOfRange_namesTheNumber(String path, String reason) {
    assertThatThrownBy(() -> TilePath.parse(path))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(reason);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/tiles/1/0/0.jpg", "/tiles/1/0/0", "/tiles/a/0/0.png", "/tiles/-1/0/0.png",
        "/tiles/1/0/0/0.png", "/tiles/1//0.png", "/tiles/1/0/0.png/", "/tiles/+1/0/0.png",
        "/tiles/1/0/%30.png", "/tiles/1/0/123456789.png", "/tiles/../0/0.png", "/tiles/"
      })
  void parse_notATile_isRefused(String path) {
    assertThatThrownBy(() -> TilePath.parse(path))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("not a tile");
  }

  @Test
  void config_fromEnvironment_readsEveryVariable() {
    TileProxyConfig config =
        TileProxyConfig.fromEnvironment(
            java.util.Map.of(
                "PORT", "9090",
                "UPSTREAM_URL", "https://tile.example/osm",
                "REDIS_URL", "redis://:secret@127.0.0.1:6379"));

    assertThat(config.port()).isEqualTo(9090);
    assertThat(config.host()).isEqualTo("127.0.0.1");
    assertThat(config.upstream()).hasToString("https://tile.example/osm/");
    assertThat(config.redisUrl()).isEqualTo("redis://:secret@127.0.0.1:6379");
    assertThat(config.toString()).doesNotContain("secret");
    assertThat(TileProxyConfig.fromEnvironment(java.util.Map.of()))
        .isEqualTo(TileProxyConfig.ofDefaults());
    assertThatThrownBy(() -> TileProxyConfig.fromEnvironment(java.util.Map.of("PORT", "http")))
        .hasMessage("PORT must be a number, but was 'http'");
  }
}
