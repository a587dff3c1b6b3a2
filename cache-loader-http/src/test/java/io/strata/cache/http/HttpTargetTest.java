package io.strata.cache.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

/** Keys to URIs without I/O: encoding, the base URI's checks and the template factories. */
class HttpTargetTest {

  private static final URI BASE = URI.create("https://tiles.example:8443/v1/maps/");

  @Test
  void segments_arePercentEncodedWhole() {
    HttpLoader<String> loader = HttpLoader.create(BASE);
    assertThat(loader.uriFor("a b/c?d#e%f@g:h").toString())
        .isEqualTo("https://tiles.example:8443/v1/maps/a%20b%2Fc%3Fd%23e%25f%40g%3Ah");
    assertThat(loader.uriFor("ü😀").getRawPath()).isEqualTo("/v1/maps/%C3%BC%F0%9F%98%80");
    assertThat(loader.uriFor("a-b.c_d~e").getRawPath()).isEqualTo("/v1/maps/a-b.c_d~e");
  }

  @Test
  void aTemplate_buildsSeveralSegmentsAndQueryValues() {
    KeyTemplate<int[]> tiles =
        key -> HttpTarget.of(String.valueOf(key[0]), String.valueOf(key[1]), key[2] + ".png")
            .query("style", "dark&light");
    HttpLoader<int[]> loader = HttpLoader.create(BASE, tiles, HttpLoaderOptions.ofDefaults());
    assertThat(loader.uriFor(new int[] {7, 64, 42}).toString())
        .isEqualTo("https://tiles.example:8443/v1/maps/7/64/42.png?style=dark%26light");
  }

  @Test
  void theBaseQuery_isKept_andKeyParametersFollowIt() {
    HttpLoader<String> loader =
        HttpLoader.create(URI.create("http://geo.example/search?key=abc"), KeyTemplate.queryParameter("q"),
            HttpLoaderOptions.ofDefaults());
    assertThat(loader.uriFor("Rua A, 1").toString())
        .isEqualTo("http://geo.example/search?key=abc&q=Rua%20A%2C%201");
  }

  @Test
  void aBaseWithoutTrailingSlash_stillGetsOneSegmentPerKey() {
    assertThat(HttpLoader.create(URI.create("http://h.example/api")).uriFor("x").toString())
        .isEqualTo("http://h.example/api/x");
    assertThat(HttpLoader.create(URI.create("http://h.example")).uriFor("x").toString())
        .isEqualTo("http://h.example/x");
  }

  @Test
  void theRootTarget_isTheBaseItself() {
    HttpLoader<String> loader =
        HttpLoader.create(URI.create("http://h.example/api/"), key -> HttpTarget.root(), HttpLoaderOptions.ofDefaults());
    assertThat(loader.uriFor("ignored").toString()).isEqualTo("http://h.example/api/");
  }

  @Test
  void unsafeBaseUris_areRejectedAtCreation() {
    assertThatThrownBy(() -> HttpLoader.create(URI.create("ftp://h.example/")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http:// or https://");
    assertThatThrownBy(() -> HttpLoader.create(URI.create("/relative/")))
        .hasMessageContaining("absolute");
    assertThatThrownBy(() -> HttpLoader.create(URI.create("http://user:pw@h.example/")))
        .hasMessageContaining("user info");
    assertThatThrownBy(() -> HttpLoader.create(URI.create("http://h.example/a/#frag")))
        .hasMessageContaining("fragment");
    assertThatThrownBy(() -> HttpLoader.create(URI.create("http://h.example/a/../b/")))
        .hasMessageContaining("'..'");
    assertThatThrownBy(() -> HttpLoader.create(URI.create("http://h.example/a/%2E%2E/b/")))
        .hasMessageContaining("'..'");
    assertThatThrownBy(() -> HttpLoader.create(URI.create("http://under_score/")))
        .hasMessageContaining("host");
  }

  @Test
  void targets_rejectWhatServersReadAsStructure() {
    assertThatThrownBy(() -> HttpTarget.of("..")).hasMessageContaining("'..'");
    assertThatThrownBy(() -> HttpTarget.of(".")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> HttpTarget.of("")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> HttpTarget.of("a\r\nb")).hasMessageContaining("U+000D at index 1");
    assertThatThrownBy(() -> HttpTarget.root().query("", "v")).hasMessageContaining("empty");
    assertThatThrownBy(() -> HttpTarget.root().query("q", "\n")).hasMessageContaining("control");
    assertThatThrownBy(() -> KeyTemplate.queryParameter("a\nb")).isInstanceOf(IllegalArgumentException.class);
    assertThat(HttpTarget.of("...").pathSegments()).containsExactly("...");
  }

  @Test
  void targets_areImmutableValues() {
    HttpTarget a = HttpTarget.of("x");
    HttpTarget b = a.path("y").query("q", "1");
    assertThat(a.pathSegments()).containsExactly("x");
    assertThat(b.pathSegments()).containsExactly("x", "y");
    assertThat(b).isEqualTo(HttpTarget.of("x", "y").query("q", "1")).hasSameHashCodeAs(HttpTarget.of("x", "y").query("q", "1"));
    assertThat(b.toString()).doesNotContain("x");
  }

  @Test
  void theLengthLimit_countsTheEncodedForm() {
    HttpLoaderOptions options = HttpLoaderOptions.builder().maxEncodedKeyLength(10).build();
    HttpLoader<String> loader = HttpLoader.create(BASE, options);
    assertThat(loader.uriFor("123456789")).isNotNull(); // "/" + 9 = 10
    assertThatThrownBy(() -> loader.uriFor("1234567890")).hasMessageContaining("maxEncodedKeyLength (10)");
    assertThat(loader.uriFor("ü")).isNotNull();
    assertThatThrownBy(() -> loader.uriFor("üüü")).hasMessageContaining("maxEncodedKeyLength"); // 18 encoded
  }
}
