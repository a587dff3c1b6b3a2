package io.strata.cache.codec;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URL;
import java.net.URLClassLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Jackson is an optional dependency, Jackson 2 and Jackson 3 each: the codecs that do not need it
 * must load and work without it on the class path, and each Jackson codec needs only its own
 * Jackson. Loads the compiled classes into a class loader that sees only them, the JDK and the
 * Jackson jars a test names, and calls the factories through method handles (which resolve one
 * method, as a caller's bytecode does).
 */
class CodecWithoutJacksonTest {

  private URLClassLoader isolated;
  private Class<?> codecType;

  @BeforeEach
  void loadWithoutJackson() throws Exception {
    URL classes = Codec.class.getProtectionDomain().getCodeSource().getLocation();
    isolated = new URLClassLoader(new URL[] {classes}, ClassLoader.getPlatformClassLoader());
    codecType = Class.forName(Codec.class.getName(), true, isolated);
    assertThatThrownBy(() -> isolated.loadClass("com.fasterxml.jackson.databind.ObjectMapper"))
        .isInstanceOf(ClassNotFoundException.class);
  }

  @AfterEach
  void close() throws Exception {
    isolated.close();
  }

  private Object factory(String name) throws Throwable {
    return MethodHandles.publicLookup()
        .findStatic(codecType, name, MethodType.methodType(codecType))
        .invoke();
  }

  private byte[] encode(Object codec, Object value) throws Throwable {
    return (byte[])
        MethodHandles.publicLookup()
            .findVirtual(codecType, "encode", MethodType.methodType(byte[].class, Object.class))
            .invoke(codec, value);
  }

  private Object decode(Object codec, byte[] bytes) throws Throwable {
    return MethodHandles.publicLookup()
        .findVirtual(codecType, "decode", MethodType.methodType(Object.class, byte[].class))
        .invoke(codec, bytes);
  }

  @Test
  void utf8AndBytes_withoutJackson_roundTrip() throws Throwable {
    Object utf8 = factory("utf8");
    Object bytes = factory("bytes");

    byte[] encoded = encode(utf8, "ação");
    assertThat(encoded).isEqualTo("ação".getBytes(UTF_8));
    assertThat(decode(utf8, encoded)).isEqualTo("ação");
    assertThat(decode(bytes, encoded)).isSameAs(encoded);
  }

  @Test
  void compressed_withoutJackson_roundTrip() throws Throwable {
    Object utf8 = factory("utf8");
    MethodHandle compressed =
        MethodHandles.publicLookup()
            .findStatic(
                codecType, "compressed", MethodType.methodType(codecType, codecType, int.class));
    Object codec = compressed.invoke(utf8, 0);
    String value = "tile/".repeat(200);

    byte[] frame = encode(codec, value);

    assertThat(frame[0]).isEqualTo((byte) 1);
    assertThat(decode(codec, frame)).isEqualTo(value);
  }

  @Test
  void jackson3Codecs_withoutJackson_throwIllegalStateExceptionNamingTheDependency()
      throws Throwable {
    Class<?> factories = Class.forName(Jackson3Codecs.class.getName(), true, isolated);
    MethodHandle json =
        MethodHandles.publicLookup()
            .findStatic(factories, "json", MethodType.methodType(codecType, Class.class));

    assertThatThrownBy(() -> json.invoke(String.class))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("tools.jackson.core:jackson-databind");
  }

  @Test
  void withJackson3Only_jackson3CodecsWork_andCodecJsonNamesJackson2() throws Throwable {
    try (URLClassLoader loader =
        loaderWith(
            tools.jackson.databind.ObjectMapper.class,
            tools.jackson.core.JsonParser.class,
            com.fasterxml.jackson.annotation.JsonTypeInfo.class)) {
      assertThatThrownBy(() -> loader.loadClass("com.fasterxml.jackson.databind.ObjectMapper"))
          .isInstanceOf(ClassNotFoundException.class);
      Class<?> codecs = Class.forName(Codec.class.getName(), true, loader);
      Class<?> factories = Class.forName(Jackson3Codecs.class.getName(), true, loader);
      Object json3 =
          MethodHandles.publicLookup()
              .findStatic(factories, "json", MethodType.methodType(codecs, Class.class))
              .invoke(String.class);

      byte[] bytes = encode(codecs, json3, "ação");

      assertThat(new String(bytes, UTF_8)).isEqualTo("\"ação\"");
      assertThat(decode(codecs, json3, bytes)).isEqualTo("ação");
      MethodHandle json2 =
          MethodHandles.publicLookup()
              .findStatic(codecs, "json", MethodType.methodType(codecs, Class.class));
      assertThatThrownBy(() -> json2.invoke(String.class))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("com.fasterxml.jackson.core:jackson-databind")
          .hasMessageContaining("Jackson3Codecs");
    }
  }

  @Test
  void withJackson2Only_codecJsonWorks_andJackson3CodecsNameJackson3() throws Throwable {
    try (URLClassLoader loader =
        loaderWith(
            com.fasterxml.jackson.databind.ObjectMapper.class,
            com.fasterxml.jackson.core.JsonParser.class,
            com.fasterxml.jackson.annotation.JsonTypeInfo.class)) {
      assertThatThrownBy(() -> loader.loadClass("tools.jackson.databind.ObjectMapper"))
          .isInstanceOf(ClassNotFoundException.class);
      Class<?> codecs = Class.forName(Codec.class.getName(), true, loader);
      Object json2 =
          MethodHandles.publicLookup()
              .findStatic(codecs, "json", MethodType.methodType(codecs, Class.class))
              .invoke(String.class);

      assertThat(decode(codecs, json2, encode(codecs, json2, "ação"))).isEqualTo("ação");
      Class<?> factories = Class.forName(Jackson3Codecs.class.getName(), true, loader);
      MethodHandle json3 =
          MethodHandles.publicLookup()
              .findStatic(factories, "json", MethodType.methodType(codecs, Class.class));
      assertThatThrownBy(() -> json3.invoke(String.class))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("tools.jackson.core:jackson-databind");
    }
  }

  /** A loader that sees the compiled classes, the JDK and the jars holding {@code classes}. */
  private static URLClassLoader loaderWith(Class<?>... classes) {
    URL[] urls = new URL[classes.length + 1];
    urls[0] = Codec.class.getProtectionDomain().getCodeSource().getLocation();
    for (int i = 0; i < classes.length; i++) {
      urls[i + 1] = classes[i].getProtectionDomain().getCodeSource().getLocation();
    }
    return new URLClassLoader(urls, ClassLoader.getPlatformClassLoader());
  }

  private static byte[] encode(Class<?> codecs, Object codec, Object value) throws Throwable {
    return (byte[])
        MethodHandles.publicLookup()
            .findVirtual(codecs, "encode", MethodType.methodType(byte[].class, Object.class))
            .invoke(codec, value);
  }

  private static Object decode(Class<?> codecs, Object codec, byte[] bytes) throws Throwable {
    return MethodHandles.publicLookup()
        .findVirtual(codecs, "decode", MethodType.methodType(Object.class, byte[].class))
        .invoke(codec, bytes);
  }

  @Test
  void json_withoutJackson_throwsIllegalStateExceptionNamingTheDependency() throws Throwable {
    MethodHandle json =
        MethodHandles.publicLookup()
            .findStatic(codecType, "json", MethodType.methodType(codecType, Class.class));

    assertThatThrownBy(() -> json.invoke(String.class))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("com.fasterxml.jackson.core:jackson-databind");
  }
}
