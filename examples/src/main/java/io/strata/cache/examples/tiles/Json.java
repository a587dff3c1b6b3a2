package io.strata.cache.examples.tiles;

/**
 * The little JSON the {@code /health} endpoint needs, without a library: objects, arrays,
 * strings and null, written in order. Commas are placed by the writer. Not thread-safe.
 */
final class Json {

  private final StringBuilder out = new StringBuilder(256);
  private boolean needsComma;

  Json beginObject() {
    comma();
    out.append('{');
    needsComma = false;
    return this;
  }

  Json endObject() {
    out.append('}');
    needsComma = true;
    return this;
  }

  Json beginArray() {
    comma();
    out.append('[');
    needsComma = false;
    return this;
  }

  Json endArray() {
    out.append(']');
    needsComma = true;
    return this;
  }

  /** Writes a member name; the next value written is its value. */
  Json name(String name) {
    comma();
    string(name);
    out.append(':');
    needsComma = false;
    return this;
  }

  Json field(String name, String value) {
    name(name);
    string(value);
    needsComma = true;
    return this;
  }

  Json nullValue() {
    comma();
    out.append("null");
    needsComma = true;
    return this;
  }

  private void comma() {
    if (needsComma) {
      out.append(',');
    }
  }

  private void string(String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  @Override
  public String toString() {
    return out.toString();
  }
}
