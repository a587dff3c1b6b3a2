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
 * Jackson is an optional dependency: the codecs that do not need it must load and work without it
 * on the class path. Loads the compiled classes into a class loader that sees only them and the
 * JDK, and calls the factories through method handles (which resolve one method, as a caller's
 * bytecode does).
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
  void json_withoutJackson_throwsIllegalStateExceptionNamingTheDependency() throws Throwable {
    MethodHandle json =
        MethodHandles.publicLookup()
            .findStatic(codecType, "json", MethodType.methodType(codecType, Class.class));

    assertThatThrownBy(() -> json.invoke(String.class))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("com.fasterxml.jackson.core:jackson-databind");
  }
}
