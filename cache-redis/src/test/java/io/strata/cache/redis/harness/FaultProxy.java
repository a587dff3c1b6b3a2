package io.strata.cache.redis.harness;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * An in-JVM TCP proxy on 127.0.0.1 that injects network faults between a client and a server.
 *
 * <p>Each connection has, per direction, a reader thread that queues what it reads and a writer
 * thread that forwards the queue in order, so faults never reorder or corrupt bytes. Faults hold
 * bytes back, they never drop them (TCP does not lose bytes silently): a {@link #blackhole()}
 * followed by {@link #heal()} delivers what was sent meanwhile, like a healed partition. To drop
 * connections use {@link #resetAll()} or {@link #cutAfterBytes(long)}. Faults apply to current
 * and new connections until {@link #heal()}. An end of stream from either side closes the whole
 * connection once what came before it is forwarded (no half-close). All threads are daemons;
 * {@link #close()} ends them.
 */
public final class FaultProxy implements AutoCloseable {

  private static final AtomicInteger IDS = new AtomicInteger();
  private static final int CHUNK = 16 * 1024;
  private static final long CONNECT_TIMEOUT_MILLIS = 5_000;
  private static final long WAIT_SLICE_MILLIS = 100;

  private final InetSocketAddress target;
  private final ServerSocket server;
  private final Thread acceptor;
  private final String name;
  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong clientToServer = new AtomicLong();
  private final AtomicLong serverToClient = new AtomicLong();

  /** Guards every fault field and every queue; notified on any change. */
  private final Object lock = new Object();

  private long delayNanos;
  private boolean blackholed;
  private boolean repliesHeld;
  private long repliesForwardedUntilNanos = Long.MIN_VALUE;
  private long cutAfter = -1;
  private volatile byte @Nullable [] exemptMarker;
  private volatile boolean closed;

  private FaultProxy(String host, int port) throws IOException {
    this.target = new InetSocketAddress(host, port);
    this.server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    this.name = "fault-proxy-" + IDS.incrementAndGet() + "-" + server.getLocalPort();
    this.acceptor = new Thread(this::acceptLoop, name + "-accept");
    acceptor.setDaemon(true);
  }

  /** Starts a proxy on a free 127.0.0.1 port that forwards to {@code host:port}. */
  public static FaultProxy start(String host, int port) {
    try {
      FaultProxy proxy = new FaultProxy(host, port);
      proxy.acceptor.start();
      return proxy;
    } catch (IOException e) {
      throw new UncheckedIOException("could not open a proxy port", e);
    }
  }

  /** Starts a proxy in front of {@code node}. */
  public static FaultProxy start(RedisNode node) {
    return start(node.host(), node.port());
  }

  /** The proxy's own port on 127.0.0.1. */
  public int port() {
    return server.getLocalPort();
  }

  /** {@code redis://127.0.0.1:<proxy port>}. */
  public String uri() {
    return "redis://127.0.0.1:" + port();
  }

  /** Forwards each chunk, in both directions, only after it has waited this long. */
  public FaultProxy delay(Duration delay) {
    synchronized (lock) {
      delayNanos = Math.max(0, delay.toNanos());
      lock.notifyAll();
    }
    return this;
  }

  /** Accepts and reads but forwards nothing, both directions, until {@link #heal()}. */
  public FaultProxy blackhole() {
    synchronized (lock) {
      blackholed = true;
      lock.notifyAll();
    }
    return this;
  }

  /** Closes every current connection with a TCP RST, both sides. New ones are accepted. */
  public FaultProxy resetAll() {
    for (Connection c : List.copyOf(connections)) {
      c.close(true);
    }
    return this;
  }

  /**
   * Each connection, current and new, is closed once it has forwarded {@code n} more bytes from
   * client to server (the n-th byte may land mid-command). {@code 0} closes at once.
   */
  public FaultProxy cutAfterBytes(long n) {
    if (n < 0) {
      throw new IllegalArgumentException("n < 0");
    }
    synchronized (lock) {
      cutAfter = n;
      for (Connection c : connections) {
        c.cutBudget = n;
      }
      lock.notifyAll();
    }
    if (n == 0) {
      for (Connection c : List.copyOf(connections)) {
        if (!c.exempt) {
          c.close(false);
        }
      }
    }
    return this;
  }

  /** Queues server-to-client bytes until {@link #releaseReplies()} or {@link #heal()}. */
  public FaultProxy holdReplies() {
    synchronized (lock) {
      repliesHeld = true;
      lock.notifyAll();
    }
    return this;
  }

  /**
   * Exempts from every fault the connections whose client sends {@code marker} in its first bytes,
   * such as a client name given in HELLO: lets a test disturb one connection of a client while
   * another of its connections stays healthy. A connection is classified by what it sends, so a
   * fault that closes connections at once ({@code cutAfterBytes(0)}) still closes new ones.
   */
  public FaultProxy exemptConnectionsSaying(String marker) {
    exemptMarker = marker.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return this;
  }

  /**
   * Forwards the replies held so far, in order, and goes on holding those read from the server
   * after this call: lets a test let a client through one round trip at a time.
   */
  public FaultProxy forwardHeldReplies() {
    synchronized (lock) {
      repliesForwardedUntilNanos = System.nanoTime();
      lock.notifyAll();
    }
    return this;
  }

  /**
   * Chunks of replies waiting to be forwarded to clients, on connections not exempt: while replies
   * are held, tells that a reply the server sent has reached the proxy.
   */
  public int queuedReplyChunks() {
    synchronized (lock) {
      int queued = 0;
      for (Connection c : connections) {
        if (!c.exempt) {
          queued += c.toClient.size();
        }
      }
      return queued;
    }
  }

  /** Forwards the held replies, in order, and stops holding. */
  public FaultProxy releaseReplies() {
    synchronized (lock) {
      repliesHeld = false;
      lock.notifyAll();
    }
    return this;
  }

  /** Clears every fault; held bytes flow again, in order. */
  public FaultProxy heal() {
    synchronized (lock) {
      delayNanos = 0;
      blackholed = false;
      repliesHeld = false;
      cutAfter = -1;
      for (Connection c : connections) {
        c.cutBudget = -1;
      }
      lock.notifyAll();
    }
    return this;
  }

  /** Connections accepted since start. */
  public long connectionsAccepted() {
    return accepted.get();
  }

  /** Connections open right now. */
  public int openConnections() {
    return connections.size();
  }

  /** Bytes forwarded from clients to the server since start. */
  public long bytesClientToServer() {
    return clientToServer.get();
  }

  /** Bytes forwarded from the server to clients since start. */
  public long bytesServerToClient() {
    return serverToClient.get();
  }

  /** Stops accepting, closes every connection and ends every thread. */
  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    for (Connection c : List.copyOf(connections)) {
      c.close(false);
    }
    synchronized (lock) {
      lock.notifyAll();
    }
    try {
      acceptor.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "FaultProxy[127.0.0.1:" + port() + " -> " + target + "]";
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        if (closed) {
          return;
        }
        continue; // transient accept failure; loop ends on close()
      }
      accepted.incrementAndGet();
      Connection c = new Connection(client, accepted.get());
      connections.add(c);
      if (closed) {
        c.close(false);
        return;
      }
      Thread setup = new Thread(c::connectAndPump, name + "-conn-" + c.id + "-setup");
      setup.setDaemon(true);
      setup.start();
    }
  }

  private static final class Chunk {
    final byte[] data; // null marks end of stream
    final long readAtNanos;

    Chunk(byte[] data, long readAtNanos) {
      this.data = data;
      this.readAtNanos = readAtNanos;
    }
  }

  private final class Connection {
    final Socket client;
    final Socket upstream = new Socket();
    final long id;
    final ArrayDeque<Chunk> toServer = new ArrayDeque<>();
    final ArrayDeque<Chunk> toClient = new ArrayDeque<>();
    long cutBudget; // guarded by lock; -1 = no cut
    volatile boolean done;
    volatile boolean exempt;
    long scanned;

    Connection(Socket client, long id) {
      this.client = client;
      this.id = id;
      synchronized (lock) {
        this.cutBudget = cutAfter;
      }
    }

    void connectAndPump() {
      try {
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
        upstream.connect(target, (int) CONNECT_TIMEOUT_MILLIS);
      } catch (IOException e) {
        close(true);
        return;
      }
      if (done) {
        close(false);
        return;
      }
      synchronized (lock) {
        if (cutBudget == 0) {
          done = true;
        }
      }
      if (done) {
        close(false);
        return;
      }
      start("c2s-read", () -> read(client, toServer));
      start("s2c-read", () -> read(upstream, toClient));
      start("c2s-write", () -> write(toServer, upstream, true));
      start("s2c-write", () -> write(toClient, client, false));
    }

    private void start(String role, Runnable body) {
      Thread t = new Thread(body, name + "-conn-" + id + "-" + role);
      t.setDaemon(true);
      t.start();
    }

    private void read(Socket from, ArrayDeque<Chunk> queue) {
      byte[] buf = new byte[CHUNK];
      try {
        InputStream in = from.getInputStream();
        while (!done) {
          int n = in.read(buf);
          byte[] data = n < 0 ? null : Arrays.copyOf(buf, n);
          if (data != null && from == client) {
            classify(data);
          }
          synchronized (lock) {
            queue.addLast(new Chunk(data, System.nanoTime()));
            lock.notifyAll();
          }
          if (n < 0) {
            return; // end of stream travels through the queue, after the data
          }
        }
      } catch (IOException e) {
        close(false);
      }
    }

    private void write(ArrayDeque<Chunk> queue, Socket to, boolean clientToServerDir) {
      try {
        OutputStream out = to.getOutputStream();
        while (true) {
          byte[] data;
          int length;
          boolean cutNow = false;
          synchronized (lock) {
            Chunk chunk = null;
            while (chunk == null) {
              if (done || closed) {
                return;
              }
              Chunk head = queue.peekFirst();
              boolean blocked =
                  !exempt
                      && (blackholed
                          || (!clientToServerDir
                              && repliesHeld
                              && head != null
                              && head.readAtNanos > repliesForwardedUntilNanos));
              if (head == null || blocked) {
                lock.wait(WAIT_SLICE_MILLIS);
                continue;
              }
              long waitNanos =
                  exempt ? 0 : head.readAtNanos + delayNanos - System.nanoTime();
              if (waitNanos > 0) {
                long millis = Math.max(1, Math.min(WAIT_SLICE_MILLIS, waitNanos / 1_000_000));
                lock.wait(millis);
                continue;
              }
              chunk = queue.pollFirst();
            }
            data = chunk.data;
            if (data == null) {
              length = -1;
            } else {
              length = data.length;
              if (clientToServerDir && cutBudget >= 0 && !exempt) {
                length = (int) Math.min(length, cutBudget);
                cutBudget -= length;
                cutNow = cutBudget == 0;
              }
            }
          }
          if (length < 0) {
            close(false); // the other side closed; everything before it was forwarded
            return;
          }
          // Counted before the write, so that a reply to these bytes never arrives before them.
          (clientToServerDir ? clientToServer : serverToClient).addAndGet(length);
          out.write(data, 0, length);
          out.flush();
          if (cutNow) {
            close(false);
            return;
          }
        }
      } catch (IOException e) {
        close(false);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        close(false);
      }
    }

    /** Marks the connection exempt if its first bytes from the client hold the marker. */
    private void classify(byte[] data) {
      byte[] marker = exemptMarker;
      if (marker == null || exempt || scanned > 4096) {
        return;
      }
      scanned += data.length;
      outer:
      for (int i = 0; i + marker.length <= data.length; i++) {
        for (int j = 0; j < marker.length; j++) {
          if (data[i + j] != marker[j]) {
            continue outer;
          }
        }
        exempt = true;
        synchronized (lock) {
          lock.notifyAll();
        }
        return;
      }
    }

    void close(boolean reset) {
      done = true;
      connections.remove(this);
      for (Socket s : new Socket[] {client, upstream}) {
        try {
          if (reset && !s.isClosed()) {
            s.setSoLinger(true, 0);
          }
        } catch (IOException ignored) {
          // closing anyway
        }
        try {
          s.close();
        } catch (IOException ignored) {
          // already closed
        }
      }
      synchronized (lock) {
        lock.notifyAll();
      }
    }
  }
}
