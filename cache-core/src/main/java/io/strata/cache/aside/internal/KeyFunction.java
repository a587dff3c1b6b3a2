package io.strata.cache.aside.internal;

import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Makes the cache key of one method call: literal text and the arguments, each parameter declared
 * {@code String} as its text ({@link KeyEncoder#text}), any other in its canonical encoding. Either
 * the default key ({@code Type.method(ParamTypes)} then {@code :} and each argument) or the
 * expansion of a key template ({@code "user:{0}"}).
 *
 * <p>Why the key stays one-to-one with the arguments: a text contains no {@code :} without a
 * {@code \} before it and a canonical encoding is self-delimiting, and a template puts text with
 * a {@code :} and no {@code \} between any two placeholders, so each argument's expansion can be
 * found again. Immutable and thread-safe.
 */
final class KeyFunction {

  private final String method;
  private final Parameter[] parameters;

  /** Each element is a literal {@code String} or the {@code Integer} index of an argument. */
  private final Object[] segments;

  /** Per parameter: declared {@code String}, so expanded as text. */
  private final boolean[] text;

  private final int expectedLength;

  private KeyFunction(String method, Method javaMethod, List<Object> segments) {
    this.method = method;
    this.parameters = javaMethod.getParameters();
    this.segments = segments.toArray();
    Class<?>[] types = javaMethod.getParameterTypes();
    this.text = new boolean[types.length];
    for (int i = 0; i < types.length; i++) {
      text[i] = types[i] == String.class;
    }
    int length = 0;
    for (Object segment : segments) {
      length += segment instanceof String s ? s.length() : 16;
    }
    this.expectedLength = length;
  }

  /** The default key: the method's identity, then ':' and the encoding of each argument. */
  static KeyFunction defaultKey(String identity, Method javaMethod) {
    List<Object> segments = new ArrayList<>();
    segments.add(identity);
    for (int i = 0; i < javaMethod.getParameterCount(); i++) {
      segments.add(":");
      segments.add(i);
    }
    return new KeyFunction(identity, javaMethod, segments);
  }

  /**
   * Parses {@code template}; returns null after adding what is wrong with it to {@code problems}.
   *
   * @param annotation how the template was written, for messages, e.g. {@code @Cached(key = "{2}")}
   */
  static @Nullable KeyFunction template(
      String identity,
      Method javaMethod,
      String template,
      String annotation,
      List<String> problems) {
    int parameterCount = javaMethod.getParameterCount();
    annotation = identity + ": " + annotation;
    List<Object> segments = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    int before = problems.size();
    int placeholders = 0;
    for (int i = 0; i < template.length(); i++) {
      char c = template.charAt(i);
      if (c == '}') {
        problems.add(
            annotation
                + " has a '}' at index "
                + i
                + " that closes no placeholder; placeholders are written {0}, {1}, ...");
        break;
      }
      if (c == '\\') {
        problems.add(
            annotation
                + " has a '\\' at index "
                + i
                + "; a template cannot hold one, since '\\' escapes ':' in the text of String"
                + " arguments");
        break;
      }
      if (c != '{') {
        literal.append(c);
        continue;
      }
      int close = template.indexOf('}', i);
      String digits = close < 0 ? "" : template.substring(i + 1, close);
      if (digits.isEmpty() || digits.length() > 3 || !digits.chars().allMatch(Character::isDigit)) {
        problems.add(
            annotation
                + " has a '{' at index "
                + i
                + " that starts no placeholder; placeholders are written {0}, {1}, ... (the"
                + " parameter's position, from 0)");
        break;
      }
      int index = Integer.parseInt(digits);
      if (index >= parameterCount) {
        problems.add(
            annotation
                + " refers to parameter "
                + index
                + ", but the method has "
                + (parameterCount == 0
                    ? "no parameters"
                    : parameterCount == 1
                        ? "1 parameter ({0})"
                        : parameterCount + " parameters ({0} to {" + (parameterCount - 1) + "})"));
        break;
      }
      if (placeholders > 0 && literal.indexOf(":") < 0) {
        problems.add(
            annotation
                + (literal.length() == 0
                    ? " has two placeholders with nothing between them"
                    : " separates two placeholders by \"" + literal + "\", which holds no ':'")
                + "; put text holding a ':' between them, e.g. \"{0}:{1}\", so that different"
                + " arguments cannot make the same key");
        break;
      }
      if (literal.length() > 0) {
        segments.add(literal.toString());
        literal.setLength(0);
      }
      segments.add(index);
      placeholders++;
      i = close;
    }
    if (problems.size() > before) {
      return null;
    }
    if (literal.length() > 0) {
      segments.add(literal.toString());
    }
    return new KeyFunction(identity, javaMethod, segments);
  }

  /**
   * Returns the template with each placeholder written {@code {}}, or, with {@code kinds}, as
   * {@code {String}} for a parameter expanded as text and {@code {value}} for any other: two key
   * functions with one shape but different kinds never make the same key from the same argument.
   */
  String shape(boolean kinds) {
    StringBuilder sb = new StringBuilder(expectedLength);
    for (Object segment : segments) {
      if (segment instanceof String literal) {
        sb.append(literal);
      } else {
        sb.append(!kinds ? "{}" : text[(Integer) segment] ? "{String}" : "{value}");
      }
    }
    return sb.toString();
  }

  /** Returns the indexes of the parameters that make up the key, in ascending order. */
  Set<Integer> usedParameters() {
    Set<Integer> used = new TreeSet<>();
    for (Object segment : segments) {
      if (segment instanceof Integer index) {
        used.add(index);
      }
    }
    return used;
  }

  /**
   * Returns the key for {@code args}.
   *
   * @throws IllegalArgumentException if a used argument holds a value that has no canonical
   *     encoding; the message names the method, the parameter and the value's class
   */
  String key(@Nullable Object[] args) {
    StringBuilder sb = new StringBuilder(expectedLength);
    for (Object segment : segments) {
      if (segment instanceof String literal) {
        sb.append(literal);
        continue;
      }
      int index = (Integer) segment;
      if (text[index]) {
        KeyEncoder.text(sb, (String) args[index]);
        continue;
      }
      try {
        KeyEncoder.encode(sb, args[index]);
      } catch (KeyEncodingException e) {
        throw new IllegalArgumentException(
            method
                + ": cannot make a cache key: "
                + e.describe(parameterLabel(parameters, index))
                + ". Pass "
                + KeyEncoder.SUPPORTED
                + ", or give the annotation a key template that leaves this parameter out"
                + " (e.g. key = \"{0}\")",
            e);
      }
    }
    return sb.toString();
  }

  /** Returns {@code "parameter 1 (query)"}, or {@code "parameter 1"} without -parameters. */
  static String parameterLabel(Parameter[] parameters, int index) {
    Parameter parameter = parameters[index];
    return parameter.isNamePresent()
        ? "parameter " + index + " (" + parameter.getName() + ")"
        : "parameter " + index;
  }
}
