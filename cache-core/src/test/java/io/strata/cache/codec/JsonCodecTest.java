package io.strata.cache.codec;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.jsontype.BasicPolymorphicTypeValidator;
import com.fasterxml.jackson.databind.jsontype.impl.LaissezFaireSubTypeValidator;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonCodecTest {

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

  private static final Tile TILE = new Tile("osm", 12, List.of("base", "ação"));

  private final Codec<Tile> codec = Codec.json(Tile.class);

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
          Codec.json(new TypeReference<List<Map<String, Integer>>>() {});
      List<Map<String, Integer>> value = List.of(Map.of("a", 1, "b", 2), Map.of(), Map.of("c", -3));

      List<Map<String, Integer>> back = generic.decode(generic.encode(value));

      assertThat(back).isEqualTo(value);
      assertThat(back.get(0).get("a")).isInstanceOf(Integer.class);
    }

    @Test
    void decode_genericTypeReference_wrongElementType_throwsCodecException() {
      Codec<List<Map<String, Integer>>> generic =
          Codec.json(new TypeReference<List<Map<String, Integer>>>() {});

      assertThatThrownBy(() -> generic.decode(utf8("[{\"a\":\"not a number\"}]")))
          .isInstanceOf(CodecException.class);
    }

    @Test
    void roundTrip_nameBasedPolymorphism_isAllowed() {
      Codec<Holder> holders = Codec.json(Holder.class);
      Holder value = new Holder(new Square(2.5));

      byte[] bytes = holders.encode(value);

      assertThat(new String(bytes, UTF_8)).contains("\"@type\":\"square\"");
      assertThat(holders.decode(bytes)).isEqualTo(value);
    }

    @Test
    void roundTrip_customMapperFromJsonMapperBuilder_returnsEqualRecord() {
      ObjectMapper mapper = Codec.jsonMapperBuilder().build();

      Codec<Tile> custom = Codec.json(mapper, Tile.class);

      assertThat(custom.decode(custom.encode(TILE))).isEqualTo(TILE);
    }

    @Test
    void roundTrip_plainObjectMapperAndJavaType_returnsEqualValue() {
      ObjectMapper mapper = new ObjectMapper();
      Codec<List<Tile>> custom =
          Codec.json(
              mapper, mapper.getTypeFactory().constructCollectionType(List.class, Tile.class));

      assertThat(custom.decode(custom.encode(List.of(TILE, TILE)))).containsExactly(TILE, TILE);
    }

    @Test
    void roundTrip_customMapperAndTypeReference_returnsEqualValue() {
      Codec<Map<String, Tile>> custom =
          Codec.json(new ObjectMapper(), new TypeReference<Map<String, Tile>>() {});

      assertThat(custom.decode(custom.encode(Map.of("k", TILE)))).containsEntry("k", TILE);
    }

    @Test
    void id_isJson() {
      assertThat(codec.id()).isEqualTo("json");
      assertThat(codec.contentType()).isEqualTo("application/json");
      assertThat(codec.toString()).contains(Tile.class.getName());
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
      Codec<Tile> custom = Codec.json(lenient, Tile.class);

      assertThatThrownBy(() -> custom.decode(utf8("{\"name\":\"osm\",\"zoom\":1,\"tags\":[]} x")))
          .isInstanceOf(CodecException.class);
    }

    @Test
    void decode_valueConstructorThrows_throwsCodecException() {
      Codec<Positive> positives = Codec.json(Positive.class);

      assertThatThrownBy(() -> positives.decode(utf8("{\"n\":-1}")))
          .isInstanceOf(CodecException.class);
    }

    @Test
    void decode_nestingBeyondLimit_throwsCodecException() {
      int depth = Codec.DEFAULT_JSON_MAX_NESTING_DEPTH + 1;
      byte[] deep = utf8("[".repeat(depth) + "]".repeat(depth));
      Codec<Object> anything = Codec.json(Object.class);

      assertThatThrownBy(() -> anything.decode(deep))
          .isInstanceOf(CodecException.class)
          .hasMessageContaining("nesting depth");
    }

    @Test
    void decode_nestingAtLimit_succeeds() {
      int depth = Codec.DEFAULT_JSON_MAX_NESTING_DEPTH;
      byte[] deep = utf8("[".repeat(depth) + "]".repeat(depth));

      assertThat(Codec.json(Object.class).decode(deep)).isInstanceOf(List.class);
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

    @Test
    void decode_numberBeyondLimit_throwsCodecException() {
      String digits = "9".repeat(Codec.DEFAULT_JSON_MAX_NUMBER_LENGTH + 1);

      assertThatThrownBy(() -> Codec.json(Object.class).decode(utf8("[" + digits + "]")))
          .isInstanceOf(CodecException.class)
          .hasMessageContaining("Number value length");
    }

    @Test
    void decode_documentBeyondLimit_throwsCodecException() {
      byte[] padded = new byte[(int) Codec.DEFAULT_JSON_MAX_DOCUMENT_LENGTH + 2];
      Arrays.fill(padded, (byte) ' ');
      padded[padded.length - 1] = '1';

      assertThatThrownBy(() -> Codec.json(Integer.class).decode(padded))
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

      assertThatThrownBy(() -> Codec.json(Object.class).decode(utf8(json.toString())))
          .isInstanceOf(CodecException.class)
          .hasMessageContaining("Token count");
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
          Codec.json(Object.class)
              .decode(utf8("[\"com.sun.rowset.JdbcRowSetImpl\",{\"dataSourceName\":\"x\"}]"));

      assertThat(value)
          .isEqualTo(List.of("com.sun.rowset.JdbcRowSetImpl", Map.of("dataSourceName", "x")));
    }

    @Test
    void decode_classNamePolymorphismOnObject_throwsCodecException() {
      Codec<Envelope> envelopes = Codec.json(Envelope.class);

      assertThatThrownBy(
              () -> envelopes.decode(utf8("{\"payload\":{\"@class\":\"java.util.HashMap\"}}")))
          .isInstanceOf(CodecException.class)
          .hasMessageContaining("denied");
    }

    @Test
    void decode_unknownNameBasedSubtype_throwsCodecException() {
      Codec<Holder> holders = Codec.json(Holder.class);

      assertThatThrownBy(
              () ->
                  holders.decode(utf8("{\"shape\":{\"@type\":\"java.util.HashMap\",\"side\":1}}")))
          .isInstanceOf(CodecException.class);
    }
  }

  /** Two versions of a value class, as two versions of a service write them during a deploy. */
  record UserV1(long id, String name) {}

  record UserV2(long id, String name, String email) {}

  record UserV3(long id, String name, int logins, List<String> roles) {}

  @Nested
  class RollingDeploys {

    @Test
    void decode_unknownProperty_isIgnored_byDefault() {
      Codec<UserV1> v1 = Codec.json(UserV1.class);
      Codec<UserV2> v2 = Codec.json(UserV2.class);

      byte[] newer = v2.encode(new UserV2(7, "Ada", "ada@example.org"));

      assertThat(v1.decode(newer)).isEqualTo(new UserV1(7, "Ada"));
    }

    @Test
    void decode_missingProperty_isNull_byDefault() {
      Codec<UserV1> v1 = Codec.json(UserV1.class);
      Codec<UserV2> v2 = Codec.json(UserV2.class);

      byte[] older = v1.encode(new UserV1(7, "Ada"));

      assertThat(v2.decode(older)).isEqualTo(new UserV2(7, "Ada", null));
    }

    @Test
    void decode_missingPrimitiveAndCollection_areDefaults() {
      UserV3 back = Codec.json(UserV3.class).decode(utf8("{\"id\":7,\"name\":\"Ada\"}"));

      assertThat(back).isEqualTo(new UserV3(7, "Ada", 0, null));
    }

    @Test
    void decode_unknownProperty_withStrictMapper_throwsCodecException() {
      ObjectMapper strict =
          Codec.jsonMapperBuilder()
              .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
              .build();
      Codec<UserV1> v1 = Codec.json(strict, UserV1.class);

      assertThatThrownBy(() -> v1.decode(utf8("{\"id\":7,\"name\":\"Ada\",\"email\":\"x\"}")))
          .isInstanceOf(CodecException.class)
          .hasMessageContaining("email");
    }

    @Test
    void decode_unknownProperty_withPlainObjectMapper_keepsItsOwnSetting() {
      Codec<UserV1> v1 = Codec.json(new ObjectMapper(), UserV1.class);

      assertThatThrownBy(() -> v1.decode(utf8("{\"id\":7,\"name\":\"Ada\",\"email\":\"x\"}")))
          .isInstanceOf(CodecException.class);
    }

    @Test
    void decode_unknownPropertyHoldingHostileInput_isStillBoundedByTheLimits() {
      String huge = "a".repeat(Codec.DEFAULT_JSON_MAX_STRING_LENGTH + 1);

      assertThatThrownBy(
              () -> codec.decode(utf8("{\"name\":\"osm\",\"zoom\":1,\"x\":\"" + huge + "\"}")))
          .isInstanceOf(CodecException.class);
    }
  }

  @Nested
  class Construction {

    @Test
    void json_mapperWithDefaultTyping_isRefused() {
      ObjectMapper typed =
          JsonMapper.builder().activateDefaultTyping(LaissezFaireSubTypeValidator.instance).build();

      assertThatIllegalArgumentException()
          .isThrownBy(() -> Codec.json(typed, Tile.class))
          .withMessageContaining("default typing");
    }

    @Test
    void json_mapperWithNonFinalDefaultTyping_isRefusedForAnyTargetType() {
      ObjectMapper typed =
          JsonMapper.builder()
              .activateDefaultTyping(
                  BasicPolymorphicTypeValidator.builder().allowIfBaseType(Object.class).build(),
                  ObjectMapper.DefaultTyping.NON_FINAL)
              .build();

      assertThatIllegalArgumentException()
          .isThrownBy(() -> Codec.json(typed, new TypeReference<List<Map<String, Integer>>>() {}));
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Codec.json(typed, typed.constructType(Object.class)));
      assertThatIllegalArgumentException().isThrownBy(() -> Codec.json(typed, String.class));
    }

    @Test
    void jsonMapperBuilder_withDefaultTypingAdded_isRefused() {
      ObjectMapper typed =
          Codec.jsonMapperBuilder()
              .activateDefaultTyping(LaissezFaireSubTypeValidator.instance)
              .build();

      assertThatIllegalArgumentException().isThrownBy(() -> Codec.json(typed, Tile.class));
    }

    @Test
    void json_defaultTypingActivatedAfterConstruction_doesNotReachCodec() {
      ObjectMapper mapper = new ObjectMapper();
      Codec<Object> anything = Codec.json(mapper, Object.class);
      mapper.activateDefaultTyping(LaissezFaireSubTypeValidator.instance);

      Object value = anything.decode(utf8("[\"java.util.HashMap\",{}]"));

      assertThat(value).isEqualTo(List.of("java.util.HashMap", Map.of()));
    }

    @Test
    void json_nullArguments_throwNamedNullPointerException() {
      ObjectMapper mapper = new ObjectMapper();

      assertThatNullPointerException()
          .isThrownBy(() -> Codec.json((Class<?>) null))
          .withMessage("type");
      assertThatNullPointerException()
          .isThrownBy(() -> Codec.json((TypeReference<?>) null))
          .withMessage("type");
      assertThatNullPointerException()
          .isThrownBy(() -> Codec.json(null, Tile.class))
          .withMessage("mapper");
      assertThatNullPointerException()
          .isThrownBy(() -> Codec.json(mapper, (Class<?>) null))
          .withMessage("type");
      assertThatNullPointerException().isThrownBy(() -> codec.encode(null)).withMessage("value");
      assertThatNullPointerException().isThrownBy(() -> codec.decode(null)).withMessage("bytes");
    }

    @Test
    void encode_valueJacksonCannotSerialize_throwsIllegalArgumentException() {
      Codec<Object> anything = Codec.json(Object.class);

      assertThatIllegalArgumentException()
          .isThrownBy(() -> anything.encode(new Object()))
          .withMessageContaining("cannot encode a java.lang.Object");
    }

    @Test
    void encode_documentAboveMapperLimit_throwsIllegalArgumentException() {
      Codec<String> strings = Codec.json(String.class);
      String big = "x".repeat((int) Codec.DEFAULT_JSON_MAX_DOCUMENT_LENGTH);

      assertThatIllegalArgumentException()
          .isThrownBy(() -> strings.encode(big))
          .withMessageContaining("maxDocumentLength");
    }
  }
}
