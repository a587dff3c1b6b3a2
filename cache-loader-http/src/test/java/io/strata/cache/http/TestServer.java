package io.strata.cache.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** A real HTTP server (the JDK's) on 127.0.0.1 and a free port, recording every request. */
final class TestServer implements AutoCloseable {

  /** Answers one request. */
  @FunctionalInterface
  interface Handler {
    void handle(HttpExchange exchange) throws Exception;
  }

  /** What the server received. */
  record Request(String rawPath, String rawQuery, Headers headers) {
    String header(String name) {
      return headers.getFirst(name);
    }
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private volatile Handler handler = exchange -> respond(exchange, 200, "ok", "Cache-Control", "max-age=60");

  TestServer() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext(
        "/",
        exchange -> {
          requests.add(
              new Request(
                  exchange.getRequestURI().getRawPath(),
                  exchange.getRequestURI().getRawQuery(),
                  exchange.getRequestHeaders()));
          try {
            handler.handle(exchange);
          } catch (Exception e) {
            // A broken connection (the client gave up) ends the exchange; nothing to report.
          } finally {
            exchange.close();
          }
        });
    server.setExecutor(executor);
    server.start();
  }

  /** Replaces the handler for every path. */
  TestServer handler(Handler handler) {
    this.handler = handler;
    return this;
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port() + path);
  }

  int port() {
    return server.getAddress().getPort();
  }

  List<Request> requests() {
    return List.copyOf(requests);
  }

  int requestCount() {
    return requests.size();
  }

  /** Sends {@code body} with {@code status} and header name/value pairs. */
  static void respond(HttpExchange exchange, int status, String body, String... headers)
      throws IOException {
    respond(exchange, status, body.getBytes(StandardCharsets.UTF_8), headers);
  }

  static void respond(HttpExchange exchange, int status, byte[] body, String... headers)
      throws IOException {
    for (int i = 0; i < headers.length; i += 2) {
      exchange.getResponseHeaders().add(headers[i], headers[i + 1]);
    }
    if (status == 304 || status == 204) {
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() throws InterruptedException {
    server.stop(0);
    executor.shutdownNow();
    executor.awaitTermination(5, TimeUnit.SECONDS);
  }
}
