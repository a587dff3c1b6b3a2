package io.strata.cache.redis.harness;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A minimal RESP2 encoder and decoder for one-shot admin commands. */
final class Resp {

  private Resp() {}

  static void write(OutputStream out, String... args) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    buf.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
    for (String arg : args) {
      byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
      buf.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
      buf.writeBytes(bytes);
      buf.writeBytes(new byte[] {'\r', '\n'});
    }
    buf.writeTo(out);
    out.flush();
  }

  /** Reads one reply: String, Long, List, or null; an error reply throws. */
  static Object read(InputStream in) throws IOException {
    int type = in.read();
    if (type < 0) {
      throw new EOFException("connection closed before a reply");
    }
    String line = readLine(in);
    switch (type) {
      case '+':
        return line;
      case '-':
        throw new RedisNode.ErrorReplyException(line);
      case ':':
        return Long.parseLong(line);
      case '$': {
        int len = Integer.parseInt(line);
        if (len < 0) {
          return null;
        }
        byte[] data = in.readNBytes(len);
        if (data.length < len || in.read() != '\r' || in.read() != '\n') {
          throw new EOFException("truncated bulk reply");
        }
        return new String(data, StandardCharsets.UTF_8);
      }
      case '*': {
        int count = Integer.parseInt(line);
        if (count < 0) {
          return null;
        }
        List<Object> items = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          try {
            items.add(read(in));
          } catch (RedisNode.ErrorReplyException e) {
            items.add(e); // an error inside an array (EXEC) is an element, not a failure
          }
        }
        return items;
      }
      default:
        throw new IOException("unexpected RESP type byte: " + (char) type);
    }
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed inside a reply");
      }
      if (b == '\r') {
        if (in.read() != '\n') {
          throw new IOException("malformed RESP line");
        }
        return line.toString(StandardCharsets.UTF_8);
      }
      line.write(b);
    }
  }
}
