package io.strata.cache.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.cache.CacheEntry;
import io.strata.cache.codec.Codec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Format version 2 round-trips every item of an entry in five fields, version 1 entries (of the
 * releases before it) are still read, and every malformed {@code m} is corrupt. Against Redis:
 * RedisDataPathIT and RedisRollingDeployIT.
 */
class EntryFormatTest {

  private static final long MS = 1_000_000L;
  private static final long NOW = 1_000_000_000_000L;
  private static final byte[] WRITE_ID = bytes("7:1");

  @Test
  void version2_roundTripsEveryItem_inFiveFields() throws Exception {
    CacheEntry<String> entry =
        CacheEntry.builder("value", NOW - 5 * MS, NOW + 60_000 * MS)
            .staleWhileRevalidateUntil(NOW + 70_000 * MS)
            .staleIfErrorUntil(NOW + 80_000 * MS)
            .revalidateUntil(NOW + 90_000 * MS)
            .loadNanos(1_234_000)
            .contentType("image/png")
            .etag("\"a:b=c\"")
            .lastModified("Wed, 21 Oct 2015 07:28:00 GMT")
            .build();

    EntryFormat.Encoded encoded = EntryFormat.encode(entry, bytes("value"), "utf8", WRITE_ID, NOW);

    assertThat(encoded.ttlMillis()).isEqualTo(90_000);
    Map<String, String> hash = text(encoded.fields());
    assertThat(hash).containsOnlyKeys("v", "ct", "b", "m", "id");
    assertThat(hash)
        .containsEntry("v", "2")
        .containsEntry("ct", "utf8")
        .containsEntry("b", "value")
        .containsEntry("id", "7:1")
        .containsEntry(
            "m", "30000:20000:10000:0:90005:1234:0:9=image/png:7=\"a:b=c\":29=Wed, 21 Oct 2015 07:28:00 GMT");
    assertThat(decode(encoded.fields(), 90_000)).isEqualTo(entry);
  }

  @Test
  void aNegativeEntry_hasAnEmptyValue_andTheFlag() throws Exception {
    CacheEntry<String> entry = CacheEntry.<String>negative(NOW, NOW + 1_000 * MS).build();

    EntryFormat.Encoded encoded = EntryFormat.encode(entry, null, "utf8", WRITE_ID, NOW);

    assertThat(text(encoded.fields())).containsEntry("b", "").containsEntry("m", "0:0:0:0:1000:0:1:-:-:-");
    CacheEntry<String> read = decode(encoded.fields(), 1_000);
    assertThat(read).isEqualTo(entry);
    assertThat(read.value()).isNull();
  }

  @Test
  void anEmptyValue_isNotANegativeEntry() throws Exception {
    CacheEntry<String> entry = CacheEntry.builder("", NOW, NOW + 1_000 * MS).build();

    CacheEntry<String> read =
        decode(EntryFormat.encode(entry, bytes(""), "utf8", WRITE_ID, NOW).fields(), 1_000);

    assertThat(read.value()).isEqualTo("");
  }

  @Test
  void anEntryWithNoTimeLeft_isNotEncoded() {
    CacheEntry<String> entry = CacheEntry.builder("v", NOW - 2 * MS, NOW).build();

    assertThat(EntryFormat.encode(entry, bytes("v"), "utf8", WRITE_ID, NOW)).isNull();
  }

  @Test
  void version1_isRead_withAndWithoutItsOptionalFields() throws Exception {
    Map<String, String> full = version1();
    full.put("r", "500");
    full.put("mt", "text/plain");
    full.put("et", "\"e\"");
    full.put("lm", "yesterday");
    CacheEntry<String> read = decode(flat(full), 10_000);

    assertThat(read.value()).isEqualTo("old");
    assertThat(read.expiresAt()).isEqualTo(NOW + 9_000 * MS);
    assertThat(read.staleWhileRevalidateUntil()).isEqualTo(NOW + 9_500 * MS);
    assertThat(read.revalidateUntil()).isEqualTo(NOW + 9_500 * MS);
    assertThat(read.createdAt()).isEqualTo(NOW - 1_000 * MS);
    assertThat(read.loadNanos()).isEqualTo(42_000);
    assertThat(read.contentType()).isEqualTo("text/plain");
    assertThat(read.etag()).isEqualTo("\"e\"");
    assertThat(read.lastModified()).isEqualTo("yesterday");

    Map<String, String> negative = version1();
    negative.remove("b");
    negative.put("n", "1");
    CacheEntry<String> absent = decode(flat(negative), 10_000);
    assertThat(absent.value()).isNull();
    assertThat(absent.revalidateUntil()).isEqualTo(absent.expiresAt());
    assertThat(absent.etag()).isNull();
  }

  @Test
  void eachVersion_readsOnlyItsOwnFields_whenTheOtherVersionsAreLeftInTheHash() throws Exception {
    CacheEntry<String> entry = CacheEntry.builder("new", NOW, NOW + 10_000 * MS).build();
    Map<String, String> rewritten = version1(); // a version 2 write over a version 1 entry
    rewritten.put("mt", "text/old");
    rewritten.putAll(text(EntryFormat.encode(entry, bytes("new"), "utf8", WRITE_ID, NOW).fields()));

    assertThat(decode(flat(rewritten), 10_000)).isEqualTo(entry);

    rewritten.putAll(version1()); // and an older release's version 1 write over that
    rewritten.remove("mt");
    CacheEntry<String> read = decode(flat(rewritten), 10_000);
    assertThat(read.value()).isEqualTo("old");
    assertThat(read.contentType()).isNull();
    assertThat(read.expiresAt()).isEqualTo(NOW + 9_000 * MS);
  }

  @Test
  void aNewerVersion_orAnotherCodec_isForeign() {
    Map<String, String> newer = version2("0:0:0:0:0:0:0:-:-:-");
    newer.put("v", "3");
    Map<String, String> otherCodec = version2("0:0:0:0:0:0:0:-:-:-");
    otherCodec.put("ct", "json");

    assertThatThrownBy(() -> decode(flat(newer), 1_000))
        .isInstanceOf(EntryFormat.ForeignEntryException.class);
    assertThatThrownBy(() -> decode(flat(otherCodec), 1_000))
        .isInstanceOf(EntryFormat.ForeignEntryException.class);
  }

  @Test
  void aMalformedM_isCorrupt() {
    List<String> malformed =
        List.of(
            "",
            "0:0:0:0:0:0:0:-:-",
            "0:0:0:0:0:0:0:-:-:-:",
            "0:0:0:0:0:0:0:-:-:-:-",
            "0:0:0:0:0:0:2:-:-:-",
            "0:0:0:0:0:0:0:-:-:x",
            "0:0:0:0:0:-1:0:-:-:-",
            "0:0:0:0:0:0:0:-:-:5=abc",
            "0:0:0:0:0:0:0:-:-:3abc",
            "0:0:0:0:0:0:0:-:-:3=abcd",
            "0;0:0:0:0:0:0:-:-:-",
            "0:0:0:0::0:0:-:-:-",
            "99999999999999999999:0:0:0:0:0:0:-:-:-");
    for (String m : malformed) {
      assertThatThrownBy(() -> decode(flat(version2(m)), 1_000))
          .as("m = '%s'", m)
          .isInstanceOf(EntryFormat.CorruptEntryException.class);
    }
  }

  @Test
  void aNegativeEntryWithAValue_orAMissingField_isCorrupt() {
    Map<String, String> negativeWithValue = version2("0:0:0:0:0:0:1:-:-:-");
    Map<String, String> withoutM = version2("0:0:0:0:0:0:0:-:-:-");
    withoutM.remove("m");
    Map<String, String> withoutB = version2("0:0:0:0:0:0:0:-:-:-");
    withoutB.remove("b");

    for (Map<String, String> hash : List.of(negativeWithValue, withoutM, withoutB)) {
      assertThatThrownBy(() -> decode(flat(hash), 1_000))
          .as(hash.toString())
          .isInstanceOf(EntryFormat.CorruptEntryException.class);
    }
  }

  @Test
  void aValueOverTheLimit_isRefused_inEitherVersion() {
    Map<String, String> v2 = version2("0:0:0:0:0:0:0:-:-:-");
    v2.put("b", "x".repeat(17));
    Map<String, String> v1 = version1();
    v1.put("b", "x".repeat(17));

    for (Map<String, String> hash : List.of(v2, v1)) {
      assertThatThrownBy(() -> EntryFormat.decode(flat(hash), 1_000, NOW, Codec.utf8(), 16))
          .isInstanceOf(EntryFormat.ValueTooLargeException.class);
    }
  }

  private static Map<String, String> version1() {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("v", "1");
    fields.put("ct", "utf8");
    fields.put("b", "old");
    fields.put("x", "1000");
    fields.put("w", "500");
    fields.put("e", "0");
    fields.put("a", "11000");
    fields.put("l", "42");
    return fields;
  }

  private static Map<String, String> version2(String m) {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("v", "2");
    fields.put("ct", "utf8");
    fields.put("b", "value");
    fields.put("m", m);
    fields.put("id", "7:1");
    return fields;
  }

  private static CacheEntry<String> decode(List<byte[]> flatHash, long pttlMillis)
      throws Exception {
    return EntryFormat.decode(flatHash, pttlMillis, NOW, Codec.utf8(), 1 << 20);
  }

  private static List<byte[]> flat(Map<String, String> hash) {
    List<byte[]> flat = new ArrayList<>();
    hash.forEach((field, value) -> {
      flat.add(bytes(field));
      flat.add(bytes(value));
    });
    return flat;
  }

  private static Map<String, String> text(List<byte[]> fields) {
    Map<String, String> hash = new LinkedHashMap<>();
    for (int i = 0; i < fields.size(); i += 2) {
      hash.put(
          new String(fields.get(i), StandardCharsets.UTF_8),
          new String(fields.get(i + 1), StandardCharsets.UTF_8));
    }
    return hash;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
