package io.strata.cache.codec;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DefaultTyping;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.jsontype.BasicPolymorphicTypeValidator;

/** {@link JsonCodecTest} for the Jackson 3 codecs of {@link Jackson3Codecs}, and both together. */
class Jackson3CodecTest {

  record Tile(String name, int zoom, List<String> tags) {}

  record Positive(int n) {
    Positive {
      if (n < 0) {
        throw new IllegalArgumentException("n must be >= 0, but was " + n);
      }
    }
  }

  /** A value that opts into class-name polymorphism on an open base type. */
  record Envelope(@JsonTypeInfo(use = JsonTypeInfo.Id.CLASS) Object payload) {}

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Circle.class, name = "circle"),
    @JsonSubTypes.Type(value = Square.class, name = "square")
  })
  sealed interface Shape permits Circle, Square {}

  record Circle(double radius) implements Shape {}

  record Square(double side) implements Shape {}

  record Holder(Shape shape) {}

  record UserV1(long id, String name) {}

  record UserV2(long id, String name, String email) {}

  record UserV3(long id, String name, int logins, List<String> roles) {}

  private static final Tile TILE = new Tile("osm", 12, List.of("base", "ação"));

  /** Jackson 3's laissez-faire validator is no longer public: one that allows as much. */
  private static final BasicPolymorphicTypeValidator ANY_SUBTYPE =
      BasicPolymorphicTypeValidator.builder().allowIfBaseType(Object.class).build();

  private final Codec<Tile> codec = Jackson3Codecs.json(Tile.class);

  private static byte[] utf8(String json) {
    return json.getBytes(UTF_8);
  }

  @Nested
  class RoundTrips {

    @Test
    void roundTrip_record_returnsEqualRecord() {
      byte[] bytes = codec.encode(TILE);

      assertThat(new String(bytes, UTF_8))
          .isEqualTo("{\"name\":\"osm\",\"zoom\":12,\"tags\":[\"base\",\"ação\"]}");
      assertThat(codec.decode(bytes)).isEqualTo(TILE);
    }

    @Test
    void roundTrip_genericTypeReference_returnsEqualValue() {
      Codec<List<Map<String, Integer>>> generic =
          Jackson3Codecs.json(new TypeReference<List<Map<String, Integer>>>() {});
      List<Map<String, Integer>> value = List.of(Map.of("a", 1, "b", 2), Map.of(), Map.of("c", -3));

      List<Map<String, Integer>> back = generic.decode(generic.encode(value));

      assertThat(back).isEqualTo(value);
      assertThat(back.get(0).get("a")).isInstanceOf(Integer.class);
    }

    @Test
    void decode_genericTypeReference_wrongElementType_throwsCodecException() {
      Codec<List<Map<String, Integer>>> generic =
          Jackson3Codecs.json(new TypeReference<List<Map<String, Integer>>>() {});

      assertThatThrownBy(() -> generic.decode(utf8("[{\"a\":\"not a number\"}]")))
          .isInstanceOf(CodecException.class);
    }

    @Test
    void roundTrip_nameBasedPolymorphism_isAllowed() {
      Codec<Holder> holders = Jackson3Codecs.json(Holder.class);
      Holder value = new Holder(new Square(2.5));

      byte[] bytes = holders.encode(value);

      assertThat(new String(bytes, UTF_8)).contains("\"@type\":\"square\"");
      assertThat(holders.decode(bytes)).isEqualTo(value);
    }

    @Test
    void roundTrip_customMapperFromJsonMapperBuilder_returnsEqualRecord() {
      ObjectMapper mapper = Jackson3Codecs.jsonMapperBuilder().build();

      Codec<Tile> custom = Jackson3Codecs.json(mapper, Tile.class);

      assertThat(custom.decode(custom.encode(TILE))).isEqualTo(TILE);
    }

    @Test
    void roundTrip_plainMapperAndJavaType_returnsEqualValue() {
      ObjectMapper mapper = new JsonMapper();
      Codec<List<Tile>> custom =
          Jackson3Codecs.json(
              mapper, mapper.getTypeFactory().constructCollectionType(List.class, Tile.class));

      assertThat(custom.decode(custom.encode(List.of(TILE, TILE)))).containsExactly(TILE, TILE);
    }

    @Test
    void roundTrip_customMapperAndTypeReference_returnsEqualValue() {
      Codec<Map<String, Tile>> custom =
          Jackson3Codecs.json(new JsonMapper(), new TypeReference<Map<String, Tile>>() {});

      assertThat(custom.decode(custom.encode(Map.of("k", TILE)))).containsEntry("k", TILE);
    }

    @Test
    void id_isJson_asTheJackson2Codec() {
      assertThat(codec.id()).isEqualTo("json").isEqualTo(Codec.json(Tile.class).id());
      assertThat(codec.contentType()).isEqualTo("application/json");
      assertThat(codec.toString()).contains("Jackson3Codecs").contains(Tile.class.getName());
    }
  }

  /** A service moving from Jackson 2 to Jackson 3 reads what its previous version wrote. */
  @Nested
  class BesideJackson2 {

    @Test
    void jackson2Bytes_readByJackson3_andBack() {
      Codec<Tile> two = Codec.json(Tile.class);

      assertThat(codec.decode(two.encode(TILE))).isEqualTo(TILE);
      assertThat(two.decode(codec.encode(TILE))).isEqualTo(TILE);
      assertThat(codec.encode(TILE)).isEqualTo(two.encode(TILE));
    }

    @Test
    void nameBasedPolymorphism_readAcrossVersions() {
      Holder value = new Holder(new Circle(1.5));

      assertThat(Jackson3Codecs.json(Holder.class).decode(Codec.json(Holder.class).encode(value)))
          .isEqualTo(value);
      assertThat(Codec.json(Holder.class).decode(Jackson3Codecs.json(Holder.class).encode(value)))
          .isEqualTo(value);
    }

    @Test
    void newerTypeOnJackson3_olderTypeOnJackson2_readEachOther() {
      Codec<UserV1> oldService = Codec.json(UserV1.class);
      Codec<UserV2> newService = Jackson3Codecs.json(UserV2.class);

      assertThat(oldService.decode(newService.encode(new UserV2(7, "Ada", "ada@example.org"))))
          .isEqualTo(new UserV1(7, "Ada"));
      assertThat(newService.decode(oldService.encode(new UserV1(7, "Ada"))))
          .isEqualTo(new UserV2(7, "Ada", null));
    }
  }

  @Nested
  class RollingDeploys {

    @Test
    void decode_unknownProperty_isIgnored_byDefault() {
      byte[] newer = Jackson3Codecs.json(UserV2.class).encode(new UserV2(7, "Ada", "a@b.c"));

      assertThat(Jackson3Codecs.json(UserV1.class).decode(newer)).isEqualTo(new UserV1(7, "Ada"));
    }

    @Test
    void decode_missingProperty_isNull_byDefault() {
      byte[] older = Jackson3Codecs.json(UserV1.class).encode(new UserV1(7, "Ada"));

      assertThat(Jackson3Codecs.json(UserV2.class).decode(older))
          .isEqualTo(new UserV2(7, "Ada", null));
    }

    @Test
    void decode_missingPrimitiveAndCollection_areDefaults() {
      UserV3 back =
          Jackson3Codecs.json(UserV3.class).decode(utf8("{\"id\":7,\"name\":\"Ada\"}"));

      assertThat(back).isEqualTo(new UserV3(7, "Ada", 0, null));
    }

    @Test
    void decode_unknownProperty_withStrictMapper_throwsCodecException() {
      ObjectMapper strict =
          Jackson3Codecs.jsonMapperBuilder()
              .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
              .build();
      Codec<UserV1> v1 = Jackson3Codecs.json(strict, UserV1.class);

      assertThatThrownBy(() -> v1.decode(utf8("{\"id\":7,\"name\":\"Ada\",\"email\":\"x\"}")))
          .isInstanceOf(CodecException.class)
          .hasMessageContaining("email");
    }
  }

  @Nested
  class HostileInput {

    @ParameterizedTest
    @ValueSource(
        strings = {
          "{\"name\":\"osm\",\"zoom\":",
          "{\"name\":\"osm\"",
          "[\"osm\",12",
          "",
          "   ",
          "\"osm\"",
          "[1,2,3]",
          "{\"name\":\"osm\",\"zoom\":\"twelve\",\"tags\":[]}",
          "{\"name\":\"osm\",\"zoom\":12,\"tags\":{}}",
          "{\"name\":{\"a\":1},\"zoom\":12,\"tags\":[]}",
          "{'name':'osm'}",
          "{name:\"osm\"}",
          "NaN",
          "nul"
        })
    void decode_truncatedOrWrongType_throwsCodecException(String json) {
      assertThatThrownBy(() -> codec.decode(utf8(json))).isInstanceOf(CodecException.class);
    }

    @Test
    void decode_jsonNull_throwsCodecException() {
      assertThatThrownBy(() -> codec.decode(utf8("null")))
          .isInstanceOf(CodecException.class)
          .hasMessageContaining("null");
    }

    @Test
    void decode_binaryGarbage_throwsCodecException() {
      byte[] garbage = {(byte) 0xff, (byte) 0xfe, 0, 1, (byte) 0x80, '{'};

      assertThatThrownBy(() -> codec.decode(garbage)).isInstanceOf(CodecException.class);
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "{\"name\":\"osm\",\"zoom\":12,\"tags\":[]} garbage",
          "{\"name\":\"osm\",\"zoom\":12,\"tags\":[]}{\"name\":\"x\",\"zoom\":1,\"tags\":[]}",
          "{\"name\":\"osm\",\"zoom\":12,\"tags\":[]}]"
        })
    void decode_trailingGarbage_throwsCodecException(String json) {
      assertThatThrownBy(() -> codec.decode(utf8(json))).isInstanceOf(CodecException.class);
    }

    @Test
    void decode_trailingGarbage_withMapperThatAllowsIt_stillThrowsCodecException() {
      ObjectMapper lenient =
          JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
      Codec<Tile> custom = Jackson3Codecs.json(lenient, Tile.class);

      assertThatThrownBy(() -> custom.decode(utf8("{\"name\":\"osm\",\"zoom\":1,\"tags\":[]} x")))
          .isInstanceOf(CodecException.class);
    }

    @Test
    void decode_valueConstructorThrows_throwsCodecException() {
      Codec<Positive> positives = Jackson3Codecs.json(Positive.class);

      assertThatThrownBy(() -> positives.decode(utf8("{\"n\":-1}")))
          .isInstanceOf(CodecException.class);
    }

    @Test
    void decode_nestingBeyondLimit_throwsCodecException() {
      int depth = Codec.DEFAULT_JSON_MAX_NESTING_DEPTH + 1;
      byte[] deep = utf8("[".repeat(depth) + "]".repeat(depth));
      Codec<Object> anything = Jackson3Codecs.json(Object.class);

      assertThatThrownBy(() -> anything.decode(deep))
          .isInstanceOf(CodecException.class)
          .hasMessageContaining("nesting depth");
    }

    @Test
    void decode_nestingAtLimit_succeeds() {
      int depth = Codec.DEFAULT_JSON_MAX_NESTING_DEPTH;
      byte[] deep = utf8("[".repeat(depth) + "]".repeat(depth));

      assertThat(Jackson3Codecs.json(Object.class).decode(deep)).isInstanceOf(List.class);
    }

    @Test
    void decode_deepNestingInsideUnknownProperty_throwsCodecException() {
      int depth = Codec.DEFAULT_JSON_MAX_NESTING_DEPTH + 1;
      byte[] deep = utf8("{\"name\":\"osm\",\"x\":" + "[".repeat(depth) + "]".repeat(depth) + "}");

      assertThatThrownBy(() -> codec.decode(deep)).isInstanceOf(CodecException.class);
    }

    @Test
    void decode_stringBeyondLimit_throwsCodecException() {
      String huge = "a".repeat(Codec.DEFAULT_JSON_MAX_STRING_LENGTH + 1);
      byte[] json = utf8("{\"name\":\"" + huge + "\",\"zoom\":1,\"tags\":[]}");

      assertThatThrownBy(() -> codec.decode(json))
          .isInstanceOf(CodecException.class)
          .hasMessageContaining("String value length");
    }

    /**
     * Jackson 3 skips an unknown property's string without reading it into memory, so the string
     * limit does not apply to it (Jackson 2 reads it, and refuses it); the document limit does.
     */
    @Test
    void decode_hugeStringInUnknownProperty_isSkipped_withinTheDocumentLimit() {
      String huge = "a".repeat(Codec.DEFAULT_JSON_MAX_STRING_LENGTH + 1);
      byte[] json = utf8("{\"name\":\"osm\",\"zoom\":1,\"x\":\"" + huge + "\"}");
      String tooLong = "a".repeat((int) Codec.DEFAULT_JSON_MAX_DOCUMENT_LENGTH);
      byte[] tooLarge = utf8("{\"name\":\"osm\",\"zoom\":1,\"x\":\"" + tooLong + "\"}");

      assertThat(codec.decode(json)).isEqualTo(new Tile("osm", 1, null));
      assertThatThrownBy(() -> codec.decode(tooLarge))
          .isInstanceOf(CodecException.class)
          .hasMessageContaining("Document length");
    }

    @Test
    void decode_numberBeyondLimit_throwsCodecException() {
      String digits = "9".repeat(Codec.DEFAULT_JSON_MAX_NUMBER_LENGTH + 1);

      assertThatThrownBy(() -> Jackson3Codecs.json(Object.class).decode(utf8("[" + digits + "]")))
          .isInstanceOf(CodecException.class)
          .hasMessageContaining("Number value length");
    }

    @Test
    void decode_documentBeyondLimit_throwsCodecException() {
      byte[] padded = new byte[(int) Codec.DEFAULT_JSON_MAX_DOCUMENT_LENGTH + 2];
      Arrays.fill(padded, (byte) ' ');
      padded[padded.length - 1] = '1';

      assertThatThrownBy(() -> Jackson3Codecs.json(Integer.class).decode(padded))
          .isInstanceOf(CodecException.class)
          .hasMessageContaining("Document length");
    }

    @Test
    void decode_tokenCountBeyondLimit_throwsCodecException() {
      StringBuilder json = new StringBuilder("[");
      for (long i = 0; i < Codec.DEFAULT_JSON_MAX_TOKEN_COUNT; i++) {
        json.append("0,");
      }
      json.append("0]");

      assertThatThrownBy(() -> Jackson3Codecs.json(Object.class).decode(utf8(json.toString())))
          .isInstanceOf(CodecException.class)
          .hasMessageContaining("Token count");
    }

    @Test
    void decode_withOwnLimits_appliesThem() {
      StreamReadConstraints limits =
          Jackson3Codecs.jsonMapperBuilder()
              .streamFactory()
              .streamReadConstraints()
              .rebuild()
              .maxStringLength(10)
              .build();
      Codec<Tile> small = Jackson3Codecs.json(Jackson3Codecs.jsonMapperBuilder(limits).build(), Tile.class);

      assertThat(small.decode(utf8("{\"name\":\"0123456789\",\"zoom\":1,\"tags\":[]}")).name())
          .hasSize(10);
      assertThatThrownBy(() -> small.decode(utf8("{\"name\":\"0123456789a\",\"zoom\":1,\"tags\":[]}")))
          .isInstanceOf(CodecException.class)
          .hasMessageContaining("String value length");
      int depth = Codec.DEFAULT_JSON_MAX_NESTING_DEPTH + 1;
      assertThatThrownBy(
              () ->
                  Jackson3Codecs.json(Jackson3Codecs.jsonMapperBuilder(limits).build(), Object.class)
                      .decode(utf8("[".repeat(depth) + "]".repeat(depth))))
          .isInstanceOf(CodecException.class);
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "[\"java.util.HashMap\",{}]",
          "[\"com.sun.rowset.JdbcRowSetImpl\",{\"dataSourceName\":\"ldap://evil/x\"}]",
          "{\"name\":[\"java.lang.String\",\"osm\"],\"zoom\":1,\"tags\":[]}",
          "{\"name\":\"osm\",\"zoom\":1,\"tags\":[\"java.util.ArrayList\",[\"x\"]]}"
        })
    void decode_polymorphicTypeIdIntoRecord_throwsCodecException(String json) {
      assertThatThrownBy(() -> codec.decode(utf8(json))).isInstanceOf(CodecException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"@class", "@type", "@c"})
    void decode_typeIdPropertyOnNonPolymorphicRecord_isIgnoredAsData(String property) {
      Tile value =
          codec.decode(
              utf8("{\"" + property + "\":\"java.util.HashMap\",\"name\":\"osm\",\"zoom\":1,\"tags\":[]}"));

      assertThat(value).isEqualTo(new Tile("osm", 1, List.of()));
    }

    @Test
    void decode_typeIdArrayIntoObject_staysPlainData() {
      Object value =
          Jackson3Codecs.json(Object.class)
              .decode(utf8("[\"com.sun.rowset.JdbcRowSetImpl\",{\"dataSourceName\":\"x\"}]"));

      assertThat(value)
          .isEqualTo(List.of("com.sun.rowset.JdbcRowSetImpl", Map.of("dataSourceName", "x")));
    }

    @Test
    void decode_classNamePolymorphismOnObject_throwsCodecException() {
      Codec<Envelope> envelopes = Jackson3Codecs.json(Envelope.class);

      assertThatThrownBy(
              () -> envelopes.decode(utf8("{\"payload\":{\"@class\":\"java.util.HashMap\"}}")))
          .isInstanceOf(CodecException.class)
          .hasMessageContaining("denied");
    }

    @Test
    void decode_unknownNameBasedSubtype_throwsCodecException() {
      Codec<Holder> holders = Jackson3Codecs.json(Holder.class);

      assertThatThrownBy(
              () ->
                  holders.decode(utf8("{\"shape\":{\"@type\":\"java.util.HashMap\",\"side\":1}}")))
          .isInstanceOf(CodecException.class);
    }
  }

  @Nested
  class Construction {

    @Test
    void json_mapperWithDefaultTyping_isRefused() {
      ObjectMapper typed =
          JsonMapper.builder()
              .activateDefaultTyping(ANY_SUBTYPE)
              .build();

      assertThatIllegalArgumentException()
          .isThrownBy(() -> Jackson3Codecs.json(typed, Tile.class))
          .withMessageContaining("default typing");
    }

    @Test
    void json_mapperWithNonFinalDefaultTyping_isRefusedForAnyTargetType() {
      ObjectMapper typed =
          JsonMapper.builder()
              .activateDefaultTyping(
                  BasicPolymorphicTypeValidator.builder().allowIfBaseType(Object.class).build(),
                  DefaultTyping.NON_FINAL)
              .build();

      assertThatIllegalArgumentException()
          .isThrownBy(
              () ->
                  Jackson3Codecs.json(typed, new TypeReference<List<Map<String, Integer>>>() {}));
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Jackson3Codecs.json(typed, typed.constructType(Object.class)));
      assertThatIllegalArgumentException().isThrownBy(() -> Jackson3Codecs.json(typed, String.class));
    }

    @Test
    void jsonMapperBuilder_withDefaultTypingAdded_isRefused() {
      ObjectMapper typed =
          Jackson3Codecs.jsonMapperBuilder()
              .activateDefaultTyping(ANY_SUBTYPE)
              .build();

      assertThatIllegalArgumentException().isThrownBy(() -> Jackson3Codecs.json(typed, Tile.class));
    }

    @Test
    void json_defaultTypingAddedToARebuiltMapper_doesNotReachCodec() {
      ObjectMapper mapper = new JsonMapper();
      Codec<Object> anything = Jackson3Codecs.json(mapper, Object.class);
      mapper.rebuild().activateDefaultTyping(ANY_SUBTYPE).build();

      Object value = anything.decode(utf8("[\"java.util.HashMap\",{}]"));

      assertThat(value).isEqualTo(List.of("java.util.HashMap", Map.of()));
    }

    @Test
    void json_nullArguments_throwNamedNullPointerException() {
      ObjectMapper mapper = new JsonMapper();

      assertThatNullPointerException()
          .isThrownBy(() -> Jackson3Codecs.json((Class<?>) null))
          .withMessage("type");
      assertThatNullPointerException()
          .isThrownBy(() -> Jackson3Codecs.json((TypeReference<?>) null))
          .withMessage("type");
      assertThatNullPointerException()
          .isThrownBy(() -> Jackson3Codecs.json(null, Tile.class))
          .withMessage("mapper");
      assertThatNullPointerException()
          .isThrownBy(() -> Jackson3Codecs.json(mapper, (Class<?>) null))
          .withMessage("type");
      assertThatNullPointerException()
          .isThrownBy(() -> Jackson3Codecs.jsonMapperBuilder(null))
          .withMessage("limits");
      assertThatNullPointerException().isThrownBy(() -> codec.encode(null)).withMessage("value");
      assertThatNullPointerException().isThrownBy(() -> codec.decode(null)).withMessage("bytes");
    }

    @Test
    void encode_valueJacksonCannotSerialize_throwsIllegalArgumentException() {
      Codec<Object> anything = Jackson3Codecs.json(Object.class);

      assertThatIllegalArgumentException()
          .isThrownBy(() -> anything.encode(new Object()))
          .withMessageContaining("cannot encode a java.lang.Object");
    }

    @Test
    void encode_documentAboveMapperLimit_throwsIllegalArgumentException() {
      Codec<String> strings = Jackson3Codecs.json(String.class);
      String big = "x".repeat((int) Codec.DEFAULT_JSON_MAX_DOCUMENT_LENGTH);

      assertThatIllegalArgumentException()
          .isThrownBy(() -> strings.encode(big))
          .withMessageContaining("maxDocumentLength");
    }
  }
}
