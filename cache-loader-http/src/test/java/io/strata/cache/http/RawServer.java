package io.strata.cache.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bare HTTP/1.1 server on a socket, for answers the JDK server refuses to send (lying framing,
 * status lines, a reset), and for counting: connections (what an "internal" host that must never
 * be reached records) and request heads, which is what the upstream saw. One connection, one
 * request; each connection is served on its own thread.
 */
final class RawServer implements AutoCloseable {

  /** Writes the whole response, status line included, after the request head was read. */
  @FunctionalInterface
  interface Script {
    void respond(OutputStream out) throws IOException;
  }

  /** Like {@link Script}, with the socket, to reset it or hold it. */
  @FunctionalInterface
  interface SocketScript {
    void respond(Socket client) throws IOException;
  }

  private final ServerSocket socket;
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger requests = new AtomicInteger();
  private final Thread acceptor;

  RawServer(Script script) {
    this(client -> script.respond(client.getOutputStream()), true);
  }

  /** A server that runs {@code script} on each connection's socket. */
  static RawServer onSocket(SocketScript script) {
    return new RawServer(script, true);
  }

  private RawServer(SocketScript script, boolean unused) {
    try {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    acceptor =
        new Thread(
            () -> {
              while (!socket.isClosed()) {
                Socket client;
                try {
                  client = socket.accept();
                } catch (IOException e) {
                  return; // closed by close()
                }
                connections.incrementAndGet();
                Thread serving = new Thread(() -> serve(client, script), "raw-server-connection");
                serving.setDaemon(true);
                serving.start();
              }
            },
            "raw-server");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  private void serve(Socket client, SocketScript script) {
    try (client) {
      client.setSoTimeout(10_000);
      if (!readHead(client.getInputStream())) {
        return;
      }
      requests.incrementAndGet();
      script.respond(client);
      if (!client.isClosed()) {
        client.getOutputStream().flush();
      }
    } catch (IOException e) {
      // closed by the client or by close()
    }
  }

  /** A server that answers nothing and counts who connects. */
  static RawServer counting() {
    return new RawServer(out -> out.write("HTTP/1.1 500 No\r\nContent-Length: 0\r\n\r\n".getBytes()));
  }

  /** Reads up to the blank line; false when the connection ended before a whole head. */
  private static boolean readHead(InputStream in) throws IOException {
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    for (int i = 0; i < 64 * 1024 && matched < 4; i++) {
      int b = in.read();
      if (b < 0) {
        return false;
      }
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return matched == 4;
  }

  int port() {
    return socket.getLocalPort();
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port() + path);
  }

  int connections() {
    return connections.get();
  }

  /** Request heads received in full. */
  int requests() {
    return requests.get();
  }

  @Override
  public void close() throws Exception {
    socket.close();
    acceptor.join(5_000);
  }
}
