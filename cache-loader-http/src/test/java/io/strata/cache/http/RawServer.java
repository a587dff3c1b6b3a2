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
 * A bare HTTP/1.1 server on a socket, for answers the JDK server refuses to send (lying framing),
 * and for counting connections: what an "internal" host that must never be reached records.
 */
final class RawServer implements AutoCloseable {

  /** Writes the whole response, status line included, after the request head was read. */
  @FunctionalInterface
  interface Script {
    void respond(OutputStream out) throws IOException;
  }

  private final ServerSocket socket;
  private final AtomicInteger connections = new AtomicInteger();
  private final Thread acceptor;

  RawServer(Script script) {
    try {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    acceptor =
        new Thread(
            () -> {
              while (!socket.isClosed()) {
                try (Socket client = socket.accept()) {
                  connections.incrementAndGet();
                  client.setSoTimeout(10_000);
                  readHead(client.getInputStream());
                  script.respond(client.getOutputStream());
                  client.getOutputStream().flush();
                } catch (IOException e) {
                  // closed by the client or by close(); next connection
                }
              }
            },
            "raw-server");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** A server that answers nothing and counts who connects. */
  static RawServer counting() {
    return new RawServer(out -> out.write("HTTP/1.1 500 No\r\nContent-Length: 0\r\n\r\n".getBytes()));
  }

  private static void readHead(InputStream in) throws IOException {
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    for (int i = 0; i < 64 * 1024 && matched < 4; i++) {
      int b = in.read();
      if (b < 0) {
        return;
      }
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
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

  @Override
  public void close() throws Exception {
    socket.close();
    acceptor.join(5_000);
  }
}
