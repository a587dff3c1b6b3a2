package io.strata.cache.aside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class CacheKeysTest {

  enum Color {
    RED,
    GREEN {
      @Override
      public String toString() {
        return "a constant with a body";
      }
    }
  }

  record Point(int x, long y) {}

  record Tagged(String name, Color color, List<Point> points) {}

  record Holder(@Nullable Object value) {}

  private static final String P = "io.strata.cache.aside.CacheKeysTest$";

  @Test
  void text_keepsTheTextEscapingOnlyBackslashAndColon() {
    assertThat(CacheKeys.text("u-42 é/x?y")).isEqualTo("u-42 é/x?y");
    assertThat(CacheKeys.text("a:b")).isEqualTo("a\\:b");
    assertThat(CacheKeys.text("a\\b")).isEqualTo("a\\\\b");
    assertThat(CacheKeys.text("")).isEmpty();
  }

  @Test
  void text_nullHasATextNoStringMakes() {
    assertThat(CacheKeys.text(null)).isEqualTo("\\N");
    assertThat(CacheKeys.text("\\N")).isEqualTo("\\\\N");
    assertThat(CacheKeys.text("null")).isEqualTo("null");
  }

  @Test
  void text_unpairedSurrogatesEscapedPairsKept() {
    assertThat(CacheKeys.text("a\uD800b")).isEqualTo("a\\ud800b");
    assertThat(CacheKeys.text("\uD83D\uDE00")).isEqualTo("\uD83D\uDE00");
    // Both would be "a?b" in UTF-8 without the escape.
    assertThat(CacheKeys.text("a\uDC00b").getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .isNotEqualTo(CacheKeys.text("a\uD800b").getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void of_scalars_encodedWithTheirType() {
    assertThat(
            CacheKeys.of(
                1,
                1L,
                (short) 1,
                (byte) 1,
                BigInteger.ONE,
                new BigDecimal("1.50"),
                3.0,
                3.0f,
                true,
                'x',
                null))
        .isEqualTo("1:1L:1S:1B:1N:1.50M:0x1.8p1D:0x1.8p1F:true:'x':null");
  }

  @Test
  void of_strings_quotedAndEscaped() {
    assertThat(CacheKeys.of("alice")).isEqualTo("\"alice\"");
    assertThat(CacheKeys.of("say \"hi\" \\o/")).isEqualTo("\"say \\\"hi\\\" \\\\o/\"");
    assertThat(CacheKeys.of("tab\tnew\nline\u007f"))
        .isEqualTo("\"tab\\u0009new\\u000aline\\u007f\"");
    assertThat(CacheKeys.of('\'')).isEqualTo("'\\''");
    assertThat(CacheKeys.of("é日本😀")).isEqualTo("\"é日本😀\"");
  }

  @Test
  void of_loneSurrogates_escapedSoUtf8BytesStayDistinct() {
    String high = CacheKeys.of("\uD800");
    String other = CacheKeys.of("\uD801");
    String low = CacheKeys.of('\uDC00');

    assertThat(high).isEqualTo("\"\\ud800\"");
    assertThat(low).isEqualTo("'\\udc00'");
    assertThat(high.getBytes(StandardCharsets.UTF_8))
        .isNotEqualTo(other.getBytes(StandardCharsets.UTF_8));
    assertThat(new String(high.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))
        .isEqualTo(high);
  }

  @Test
  void of_separatorsInsideStrings_neverCollide() {
    assertThat(CacheKeys.of("a:b", "c")).isNotEqualTo(CacheKeys.of("a", "b:c"));
    assertThat(CacheKeys.of("a\",\"b")).isNotEqualTo(CacheKeys.of(List.of("a", "b")));
    assertThat(CacheKeys.of("a\":\"b")).isNotEqualTo(CacheKeys.of("a", "b"));
    assertThat(CacheKeys.of("a\\", "b")).isNotEqualTo(CacheKeys.of("a\\\":\"b"));
    assertThat(CacheKeys.of("null")).isNotEqualTo(CacheKeys.of((Object) null));
    assertThat(CacheKeys.of("1")).isNotEqualTo(CacheKeys.of(1));
    assertThat(CacheKeys.of("")).isNotEqualTo(CacheKeys.of());
    assertThat(CacheKeys.of("", "")).isNotEqualTo(CacheKeys.of(""));
  }

  @Test
  void of_nullPart_hasItsOwnToken() {
    assertThat(CacheKeys.of((Object) null)).isEqualTo("null");
    assertThat(CacheKeys.of(null, "a")).isEqualTo("null:\"a\"");
    assertThat(CacheKeys.of(Arrays.asList("a", null))).isEqualTo("[\"a\",null]");
  }

  @Test
  void of_nullPartsArray_throwsNpe() {
    assertThatThrownBy(() -> CacheKeys.of((Object[]) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("parts");
  }

  @Test
  void of_numbersOfDifferentTypes_differLikeEquals() {
    Set<String> keys =
        new HashSet<>(
            List.of(
                CacheKeys.of(1),
                CacheKeys.of(1L),
                CacheKeys.of((short) 1),
                CacheKeys.of((byte) 1),
                CacheKeys.of(1.0),
                CacheKeys.of(1.0f),
                CacheKeys.of(BigInteger.ONE),
                CacheKeys.of(BigDecimal.ONE)));

    assertThat(keys).hasSize(8);
  }

  @Test
  void of_bigDecimal_keepsScaleLikeEquals() {
    assertThat(CacheKeys.of(new BigDecimal("1.0")))
        .isNotEqualTo(CacheKeys.of(new BigDecimal("1.00")));
    assertThat(CacheKeys.of(new BigDecimal("1E+3")))
        .isNotEqualTo(CacheKeys.of(new BigDecimal("1000")));
    assertThat(CacheKeys.of(new BigDecimal("1.0")))
        .isEqualTo(CacheKeys.of(BigDecimal.valueOf(10, 1)));
  }

  @Test
  void of_doubles_exactAndDistinguishSignedZero() {
    assertThat(CacheKeys.of(0.0)).isNotEqualTo(CacheKeys.of(-0.0));
    assertThat(CacheKeys.of(0.1 + 0.2)).isNotEqualTo(CacheKeys.of(0.3));
    assertThat(CacheKeys.of(Double.NaN)).isEqualTo("NaND");
    assertThat(CacheKeys.of(2e23)).isEqualTo("0x1.52d02c7e14af6p77D");
  }

  @Test
  void of_enum_declaringClassAndName() {
    assertThat(CacheKeys.of(Color.RED)).isEqualTo(P + "Color#RED");
    assertThat(CacheKeys.of(Color.GREEN)).isEqualTo(P + "Color#GREEN");
  }

  @Test
  void of_record_encodedRecursivelyByComponent() {
    Tagged tagged = new Tagged("t", Color.RED, List.of(new Point(1, 2L)));

    assertThat(CacheKeys.of(tagged))
        .isEqualTo(P + "Tagged(\"t\"," + P + "Color#RED,[" + P + "Point(1,2L)])");
    assertThat(CacheKeys.of(tagged))
        .isEqualTo(
            CacheKeys.of(new Tagged("t", Color.RED, new LinkedList<>(List.of(new Point(1, 2L))))));
    assertThat(CacheKeys.of(tagged))
        .isNotEqualTo(CacheKeys.of(new Tagged("t", Color.GREEN, List.of(new Point(1, 2L)))));
  }

  @Test
  void of_textTypes_taggedToString() {
    UUID uuid = UUID.fromString("123e4567-e89b-12d3-a456-426614174000");

    assertThat(CacheKeys.of(uuid)).isEqualTo("UUID\"123e4567-e89b-12d3-a456-426614174000\"");
    assertThat(CacheKeys.of(LocalDate.of(2024, 5, 1))).isEqualTo("LocalDate\"2024-05-01\"");
    assertThat(CacheKeys.of(Instant.EPOCH)).isEqualTo("Instant\"1970-01-01T00:00:00Z\"");
    assertThat(CacheKeys.of(Duration.ofMinutes(10))).isEqualTo("Duration\"PT10M\"");
    assertThat(CacheKeys.of(ZoneId.of("Europe/Paris"))).isEqualTo("ZoneId\"Europe/Paris\"");
    assertThat(CacheKeys.of(ZoneOffset.UTC)).isEqualTo("ZoneOffset\"Z\"");
    assertThat(CacheKeys.of(ZonedDateTime.of(2024, 5, 1, 10, 0, 0, 0, ZoneId.of("Europe/Paris"))))
        .isEqualTo("ZonedDateTime\"2024-05-01T10:00+02:00[Europe/Paris]\"");
    assertThat(CacheKeys.of(String.class)).isEqualTo("Class\"java.lang.String\"");
  }

  @Test
  void of_optional_presentAndEmpty() {
    assertThat(CacheKeys.of(Optional.of("x"))).isEqualTo("?(\"x\")");
    assertThat(CacheKeys.of(Optional.empty())).isEqualTo("?()");
    assertThat(CacheKeys.of(Optional.of(Optional.empty()))).isEqualTo("?(?())");
  }

  @Test
  void of_emptyContainers_allDiffer() {
    assertThat(CacheKeys.of(List.of())).isEqualTo("[]");
    assertThat(CacheKeys.of(Set.of())).isEqualTo("{}");
    assertThat(CacheKeys.of(Map.of())).isEqualTo("{=}");
  }

  @Test
  void of_lists_inOrderWhateverTheImplementation() {
    assertThat(CacheKeys.of(List.of(1, 2))).isEqualTo("[1,2]");
    assertThat(CacheKeys.of(new ArrayList<>(List.of(1, 2))))
        .isEqualTo(CacheKeys.of(new LinkedList<>(List.of(1, 2))));
    assertThat(CacheKeys.of(List.of(1, 2))).isNotEqualTo(CacheKeys.of(List.of(2, 1)));
  }

  @Test
  void of_arrays_encodedLikeListsOfTheirElements() {
    assertThat(CacheKeys.of((Object) new int[] {1, 2})).isEqualTo("[1,2]");
    assertThat(CacheKeys.of((Object) new long[] {1, 2})).isEqualTo("[1L,2L]");
    assertThat(CacheKeys.of((Object) new String[] {"a", null})).isEqualTo("[\"a\",null]");
    assertThat(CacheKeys.of((Object) new int[][] {{1}, {2, 3}})).isEqualTo("[[1],[2,3]]");
    assertThat(CacheKeys.of((Object) new byte[] {1, 2}))
        .isEqualTo(CacheKeys.of((Object) new byte[] {1, 2}));
  }

  @Test
  void of_setsInDifferentInsertionOrder_sameKey() {
    Set<String> forward = new LinkedHashSet<>(List.of("a", "b", "c"));
    Set<String> backward = new LinkedHashSet<>(List.of("c", "b", "a"));
    Set<String> sortedReversed = new TreeSet<>(Collections.reverseOrder());
    sortedReversed.addAll(forward);

    assertThat(CacheKeys.of(forward)).isEqualTo("{\"a\",\"b\",\"c\"}");
    assertThat(CacheKeys.of(backward)).isEqualTo(CacheKeys.of(forward));
    assertThat(CacheKeys.of(sortedReversed)).isEqualTo(CacheKeys.of(forward));
    assertThat(CacheKeys.of(Set.of("c", "a", "b"))).isEqualTo(CacheKeys.of(forward));
    assertThat(CacheKeys.of(forward)).isNotEqualTo(CacheKeys.of(List.of("a", "b", "c")));
  }

  @Test
  void of_maps_sortedByEncodedKeyWhateverTheOrder() {
    Map<String, Integer> forward = new LinkedHashMap<>();
    forward.put("a", 1);
    forward.put("b", 2);
    Map<String, Integer> backward = new LinkedHashMap<>();
    backward.put("b", 2);
    backward.put("a", 1);

    assertThat(CacheKeys.of(forward)).isEqualTo("{\"a\"=1,\"b\"=2}");
    assertThat(CacheKeys.of(backward)).isEqualTo(CacheKeys.of(forward));
    assertThat(CacheKeys.of(new TreeMap<>(backward))).isEqualTo(CacheKeys.of(forward));
    assertThat(CacheKeys.of(Map.of("a", 2, "b", 1))).isNotEqualTo(CacheKeys.of(forward));
  }

  @Test
  void of_nestedCollections_equalContentsEqualKeys() {
    Map<Color, Set<List<String>>> first = new HashMap<>();
    first.put(Color.GREEN, new HashSet<>(List.of(List.of("x", "y"), List.of("z"))));
    first.put(Color.RED, new HashSet<>());
    Map<Color, Set<List<String>>> second = new TreeMap<>(Collections.reverseOrder());
    second.put(Color.RED, new LinkedHashSet<>());
    second.put(Color.GREEN, new LinkedHashSet<>(List.of(List.of("z"), List.of("x", "y"))));

    assertThat(CacheKeys.of(first)).isEqualTo(CacheKeys.of(second));
    assertThat(CacheKeys.of(first))
        .isEqualTo("{" + P + "Color#GREEN={[\"x\",\"y\"],[\"z\"]}," + P + "Color#RED={}}");
  }

  @Test
  void of_randomStructuresOfTrickyStrings_keysEqualExactlyWhenValuesEqual() {
    Random random = new Random(20240501);
    Map<String, Object> valueByKey = new HashMap<>();
    Map<Object, String> keyByValue = new HashMap<>();
    for (int i = 0; i < 50_000; i++) {
      Object[] parts = new Object[random.nextInt(3)];
      for (int p = 0; p < parts.length; p++) {
        parts[p] = randomValue(random, 0);
      }
      List<Object> value = Arrays.asList(parts);
      String key = CacheKeys.of(parts);

      Object previous = valueByKey.putIfAbsent(key, value);
      if (previous != null) {
        assertThat(previous).as("values with key %s", key).isEqualTo(value);
      }
      String previousKey = keyByValue.putIfAbsent(value, key);
      if (previousKey != null) {
        assertThat(previousKey).as("keys of %s", value).isEqualTo(key);
      }
    }
    assertThat(valueByKey).hasSizeGreaterThan(10_000);
  }

  private static @Nullable Object randomValue(Random random, int depth) {
    int kind = random.nextInt(depth > 2 ? 6 : 10);
    switch (kind) {
      case 0:
        return null;
      case 1:
      case 2:
        return randomString(random);
      case 3:
        return random.nextInt(5) - 2;
      case 4:
        return (long) (random.nextInt(5) - 2);
      case 5:
        return "ab:\",\\".charAt(random.nextInt(6));
      case 6:
        {
          List<@Nullable Object> list = new ArrayList<>();
          for (int i = random.nextInt(3); i > 0; i--) {
            list.add(randomValue(random, depth + 1));
          }
          return list;
        }
      case 7:
        {
          Set<@Nullable Object> set = new HashSet<>();
          for (int i = random.nextInt(3); i > 0; i--) {
            set.add(randomValue(random, depth + 1));
          }
          return set;
        }
      case 8:
        {
          Map<@Nullable Object, @Nullable Object> map = new HashMap<>();
          for (int i = random.nextInt(3); i > 0; i--) {
            map.put(randomValue(random, depth + 1), randomValue(random, depth + 1));
          }
          return map;
        }
      default:
        {
          Object inner = randomValue(random, depth + 1);
          return random.nextBoolean() ? Optional.ofNullable(inner) : new Holder(inner);
        }
    }
  }

  private static String randomString(Random random) {
    String alphabet = "a:\"\\,[]{}=()#?'\n";
    StringBuilder sb = new StringBuilder();
    for (int i = random.nextInt(4); i > 0; i--) {
      sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  @Test
  void of_unsupportedType_rejectedNamingPartPathAndClass() {
    assertThatThrownBy(() -> CacheKeys.of("a", List.of(new StringBuilder("x"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "part 1, element 0 of a List, holds a java.lang.StringBuilder; it is not a supported"
                + " type")
        .hasMessageContaining("convert the value to one");
  }

  @Test
  void of_unsupportedTypeInsideRecord_rejectedNamingComponent() {
    assertThatThrownBy(() -> CacheKeys.of(new Holder(new Object())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "part 0, component value of record " + P + "Holder, holds a java.lang.Object");
  }

  @Test
  void of_mutableJdkTypes_rejected() {
    assertThatThrownBy(() -> CacheKeys.of(new java.util.Date(0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("java.util.Date");
    assertThatThrownBy(() -> CacheKeys.of(new java.util.concurrent.atomic.AtomicLong()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("java.util.concurrent.atomic.AtomicLong");
  }

  @Test
  void of_cyclicList_rejectedInsteadOfOverflowingStack() {
    List<Object> cyclic = new ArrayList<>();
    cyclic.add(cyclic);

    assertThatThrownBy(() -> CacheKeys.of(cyclic))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nested more than 64 levels deep");
  }

  @Test
  void of_sameInputs_sameKeyEveryTime() {
    Object[] parts = {new Tagged("t", Color.GREEN, List.of()), Set.of(Color.RED, Color.GREEN), 0.5};

    assertThat(CacheKeys.of(parts)).isEqualTo(CacheKeys.of(parts.clone()));
    assertThat(Objects.hash(parts)).isNotNull();
  }
}
