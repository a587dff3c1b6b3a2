package io.strata.cache.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HttpLoaderOptionsTest {

  @Test
  void defaults_areTheDocumentedConstants() {
    HttpLoaderOptions o = HttpLoaderOptions.ofDefaults();
    assertThat(o.connectTimeout()).isEqualTo(HttpLoaderOptions.DEFAULT_CONNECT_TIMEOUT).isEqualTo(Duration.ofSeconds(2));
    assertThat(o.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(o.maxConcurrentRequests()).isEqualTo(32);
    assertThat(o.maxBodyBytes()).isEqualTo(8 * 1024 * 1024);
    assertThat(o.maxEncodedKeyLength()).isEqualTo(2048);
    assertThat(o.maxAttempts()).isEqualTo(3);
    assertThat(o.initialBackoff()).isEqualTo(Duration.ofMillis(100));
    assertThat(o.maxBackoff()).isEqualTo(Duration.ofSeconds(2));
    assertThat(o.backoffJitter()).isEqualTo(0.5);
    assertThat(o.maxRetryAfter()).isEqualTo(Duration.ofSeconds(10));
    assertThat(o.maxRedirects()).isZero();
    assertThat(o.defaultTtl()).isEqualTo(Duration.ofMinutes(5));
    assertThat(o.minimumTtl()).isEqualTo(Duration.ZERO);
    assertThat(o.maximumTtl()).isEqualTo(Duration.ofDays(1));
    assertThat(o.acceptGzip()).isTrue();
    assertThat(o.httpVersion()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(o.requestHeaders()).isEmpty();
    assertThat(o.keptHeaders()).isEqualTo(HttpLoaderOptions.DEFAULT_KEPT_HEADERS);
  }

  @Test
  void setters_rejectBadValues_namingTheOption() {
    HttpLoaderOptions.Builder b = HttpLoaderOptions.builder();
    assertThatThrownBy(() -> b.connectTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("connectTimeout must be positive, but was PT0S");
    assertThatThrownBy(() -> b.requestTimeout(Duration.ofSeconds(-1))).hasMessageContaining("requestTimeout");
    assertThatThrownBy(() -> b.maxConcurrentRequests(0)).hasMessage("maxConcurrentRequests must be at least 1, but was 0");
    assertThatThrownBy(() -> b.maxBodyBytes(0)).hasMessageContaining("maxBodyBytes");
    assertThatThrownBy(() -> b.maxEncodedKeyLength(-5)).hasMessageContaining("maxEncodedKeyLength");
    assertThatThrownBy(() -> b.maxAttempts(0)).hasMessage("maxAttempts must be in [1, 10], but was 0");
    assertThatThrownBy(() -> b.backoffJitter(1.0)).hasMessageContaining("backoffJitter");
    assertThatThrownBy(() -> b.backoffJitter(Double.NaN)).hasMessageContaining("backoffJitter");
    assertThatThrownBy(() -> b.maxRetryAfter(Duration.ofSeconds(-1))).hasMessageContaining("maxRetryAfter");
    assertThatThrownBy(() -> b.maxRedirects(-1)).hasMessageContaining("maxRedirects");
    assertThatThrownBy(() -> b.defaultTtl(Duration.ZERO)).hasMessageContaining("defaultTtl");
    assertThatThrownBy(() -> b.minimumTtl(Duration.ofSeconds(-1))).hasMessageContaining("minimumTtl");
    assertThatThrownBy(() -> b.clock(null)).isInstanceOf(NullPointerException.class).hasMessage("clock");
  }

  @Test
  void requestHeaders_thatTheLoaderManagesOrThatCarryControlCharacters_areRejected() {
    HttpLoaderOptions.Builder b = HttpLoaderOptions.builder();
    for (String managed : new String[] {"Host", "if-none-match", "Accept-Encoding", "Connection", "Range"}) {
      assertThatThrownBy(() -> b.requestHeader(managed, "x"))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("manages");
    }
    assertThatThrownBy(() -> b.requestHeader("X-Key", "a\r\nHost: evil"))
        .hasMessageContaining("control characters");
    assertThatThrownBy(() -> b.requestHeader("Bad Name", "x")).hasMessageContaining("HTTP token");
    assertThatThrownBy(() -> b.keptHeaders(Set.of("Set-Cookie"))).hasMessageContaining("cookies");
  }

  @Test
  void build_checksOptionsThatDependOnEachOther() {
    assertThatThrownBy(() -> HttpLoaderOptions.builder().initialBackoff(Duration.ofSeconds(5)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("initialBackoff (PT5S) must not exceed maxBackoff (PT2S)");
    assertThatThrownBy(() -> HttpLoaderOptions.builder().minimumTtl(Duration.ofDays(2)).build())
        .hasMessageContaining("minimumTtl (PT48H) must not exceed maximumTtl (PT24H)");
    assertThatThrownBy(() -> HttpLoaderOptions.builder().defaultTtl(Duration.ofDays(2)).build())
        .hasMessageContaining("defaultTtl");
  }

  @Test
  void toBuilder_copies_andBuildDoesNotChangeTheBuilder() {
    HttpLoaderOptions base =
        HttpLoaderOptions.builder().maxAttempts(5).requestHeader("X-Api-Key", "secret").build();
    HttpLoaderOptions changed = base.toBuilder().maxAttempts(1).build();
    assertThat(base.maxAttempts()).isEqualTo(5);
    assertThat(changed.maxAttempts()).isEqualTo(1);
    assertThat(changed.requestHeaders()).containsEntry("X-Api-Key", "secret");

    HttpLoaderOptions.Builder builder = HttpLoaderOptions.builder().maxAttempts(2);
    HttpLoaderOptions first = builder.build();
    builder.maxAttempts(4);
    assertThat(first.maxAttempts()).isEqualTo(2);
  }

  @Test
  void aHeaderSetTwice_keepsTheLastValue_whateverItsCase() {
    HttpLoaderOptions o =
        HttpLoaderOptions.builder().requestHeader("X-Key", "a").requestHeader("x-key", "b").build();
    assertThat(o.requestHeaders()).containsExactly(java.util.Map.entry("x-key", "b"));
  }

  @Test
  void toString_namesHeadersButNeverTheirValues() {
    HttpLoaderOptions o = HttpLoaderOptions.builder().requestHeader("Authorization", "Bearer hunter2").build();
    assertThat(o.toString()).contains("Authorization").doesNotContain("hunter2");
  }
}
