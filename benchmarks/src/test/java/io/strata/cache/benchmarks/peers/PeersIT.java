package io.strata.cache.benchmarks.peers;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.benchmarks.RemoteBytesCache;
import io.strata.cache.redis.harness.RedisExtension;
import io.strata.cache.redis.harness.RedisNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The peers' adapters against a redis-server of this test's own: values round-trip, every get of
 * a remote adapter reaches Redis, Redisson's pair invalidates B's copy, and what each peer sends
 * per operation (printed from MONITOR). Prints timings of 200 rounds ({@code -Dpeers.rounds=N} for
 * more; 200 is mostly JIT warm-up); asserts none of them.
 */
class PeersIT {

  // An extra config line makes the harness start its own server even when REDIS_URL is set.
  @RegisterExtension static final RedisExtension REDIS = RedisExtension.standalone("appendonly no");

  private static final int ROUNDS = Integer.getInteger("peers.rounds", 200);
  private static final Duration TTL = Duration.ofMinutes(5);

  @Test
  void jetCache() throws Exception {
    RedisNode node = REDIS.server();
    byte[] v1 = bytes(100, 1);
    try (JetCacheRemote c = JetCacheRemote.create(REDIS.uri(), "jc", TTL)) {
      c.put("k1", v1);
      assertThat(c.get("k1")).isEqualTo(v1);
      assertThat(c.get("absent")).isNull();
      // Key as given under the prefix, 8-byte header + the bytes, the TTL on the key.
      assertThat(node.command("STRLEN", "jc:k1")).isEqualTo(8L + v1.length);
      assertThat((Long) node.command("PTTL", "jc:k1"))
          .isBetween(TTL.toMillis() - 5_000, TTL.toMillis());

      Map<String, byte[]> batch = batch("b", 3);
      c.putAll(batch);
      batch.forEach((k, v) -> assertThat(c.get(k)).isEqualTo(v));

      long gets = node.commandCalls("get");
      c.get("k1");
      c.get("k1");
      assertThat(node.commandCalls("get") - gets).isEqualTo(2);

      printMonitor("JetCache", node, () -> c.get("k1"), () -> c.put("k1", v1),
          () -> c.putAll(batch("m", 3)));
      timeRemote("JetCache", c);
    }
  }

  @Test
  void redissonRemote() throws Exception {
    RedisNode node = REDIS.server();
    byte[] v1 = bytes(100, 2);
    try (RedissonRemote c = RedissonRemote.create(REDIS.uri(), "rr", TTL)) {
      printServerSide("Redisson remote", node);
      // SyncStrategy INVALIDATE, as a deployed near cache: the invalidation topic is heard.
      assertThat(node.command("PUBSUB", "NUMSUB", "{rr}:topic"))
          .isEqualTo(List.of("{rr}:topic", 1L));
      c.put("k1", v1);
      assertThat(c.get("k1")).isEqualTo(v1);
      assertThat(c.get("absent")).isNull();
      // One hash, raw bytes as the field's value, no TTL (documented: ttl is ignored).
      assertThat(node.command("HSTRLEN", "rr", "k1")).isEqualTo((long) v1.length);
      assertThat(node.command("TTL", "rr")).isEqualTo(-1L);

      Map<String, byte[]> batch = batch("b", 3);
      c.putAll(batch);
      batch.forEach((k, v) -> assertThat(c.get(k)).isEqualTo(v));

      // The local cache is really off: a repeated get of one key is an HGET each time.
      long hgets = node.commandCalls("hget");
      for (int i = 0; i < 5; i++) {
        assertThat(c.get("k1")).isEqualTo(v1);
      }
      assertThat(node.commandCalls("hget") - hgets).isEqualTo(5);

      printMonitor("Redisson remote", node, () -> c.get("k1"), () -> c.put("k1", v1),
          () -> c.putAll(batch("m", 3)));
      timeRemote("Redisson remote", c);
    }
  }

  @Test
  void redissonPair() throws Exception {
    RedisNode node = REDIS.server();
    BlockingQueue<Object[]> fired = new ArrayBlockingQueue<>(16);
    try (RedissonPropagationPair pair = RedissonPropagationPair.create(REDIS.uri(), "pp")) {
      printServerSide("Redisson pair", node);
      String[] current = new String[1];
      pair.onInvalidationAtB(
          () -> {
            String key;
            synchronized (current) {
              key = current[0];
            }
            // Records when, where, and whether B still held the key as the listener ran.
            fired.add(new Object[] {System.nanoTime(), Thread.currentThread().getName(),
                pair.heldAtB(key)});
          });
      // Values first, and time for their (unneeded) invalidations to reach B: B holds none of
      // these keys yet, and a message still in flight must not meet B's copy read below.
      for (int i = 0; i < ROUNDS; i++) {
        pair.writeAtA("key-" + i, bytes(100, i));
      }
      Thread.sleep(300);
      long[] write = new long[ROUNDS];
      long[] propagate = new long[ROUNDS];
      String listenerThread = null;
      for (int i = 0; i < ROUNDS; i++) {
        String key = "key-" + i;
        synchronized (current) {
          current[0] = key;
        }
        pair.readAtB(key);
        assertThat(pair.heldAtB(key)).as("held after readAtB").isTrue();
        assertThat(fired).isEmpty();

        long t0 = System.nanoTime();
        pair.writeAtA(key, bytes(100, i + 1));
        long t1 = System.nanoTime();
        Object[] event = fired.poll(5, TimeUnit.SECONDS);
        assertThat(event).as("invalidation listener fired, round " + i).isNotNull();
        assertThat((Boolean) event[2]).as("B's copy already gone inside the listener").isFalse();
        assertThat(pair.heldAtB(key)).isFalse();
        write[i] = t1 - t0;
        propagate[i] = (Long) event[0] - t0;
        listenerThread = (String) event[1];
      }
      System.out.printf(Locale.ROOT, "Redisson pair, %d rounds: writeAtA %s; write->listener %s;"
          + " listener thread %s%n", ROUNDS, percentiles(write), percentiles(propagate),
          listenerThread);

      String key = "key-monitor";
      pair.writeAtA(key, bytes(10, 0));
      Thread.sleep(300);
      printMonitor("Redisson pair", node, () -> pair.readAtB(key), () -> pair.heldAtB(key),
          () -> pair.writeAtA(key, bytes(10, 1)));
      assertThat(fired.poll(5, TimeUnit.SECONDS)).isNotNull();
    }
  }

  /** What a peer left on the server: subscriptions, keyspace notifications, connections. */
  private static void printServerSide(String peer, RedisNode node) {
    System.out.printf(Locale.ROOT, "%s: channels %s, patterns %s, notify-keyspace-events %s,"
            + " clients %d%n", peer, node.command("PUBSUB", "CHANNELS"),
        node.command("PUBSUB", "NUMPAT"), node.command("CONFIG", "GET", "notify-keyspace-events"),
        node.clientList().lines().count());
  }

  /** ROUNDS each of put, get (a hit) and putAll of 10 entries, values of 100 bytes. */
  private static void timeRemote(String peer, RemoteBytesCache c) {
    for (int i = 0; i < ROUNDS; i++) { // warm-up
      c.put("w" + i, bytes(100, i));
      c.get("w" + i);
    }
    long[] put = new long[ROUNDS];
    long[] get = new long[ROUNDS];
    long[] putAll = new long[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
      byte[] v = bytes(100, i);
      Map<String, byte[]> batch = batch("t" + i + "-", 10);
      long t0 = System.nanoTime();
      c.put("t" + i, v);
      long t1 = System.nanoTime();
      byte[] got = c.get("t" + i);
      long t2 = System.nanoTime();
      c.putAll(batch);
      long t3 = System.nanoTime();
      assertThat(got).isEqualTo(v);
      put[i] = t1 - t0;
      get[i] = t2 - t1;
      putAll[i] = t3 - t2;
    }
    System.out.printf(Locale.ROOT, "%s, %d rounds: put %s; get %s; putAll(10) %s%n", peer, ROUNDS,
        percentiles(put), percentiles(get), percentiles(putAll));
  }

  /**
   * Runs each step between MONITOR markers and prints what the server received for it (the
   * markers are ECHOs on the harness' own connections).
   */
  private static void printMonitor(String peer, RedisNode node, Runnable... steps)
      throws IOException {
    try (Socket s = new Socket(node.host(), node.port())) {
      s.setSoTimeout(5_000);
      OutputStream out = s.getOutputStream();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      out.write("MONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertThat(in.readLine()).isEqualTo("+OK");
      for (int i = 0; i < steps.length; i++) {
        String start = "step-" + i + "-start";
        String end = "step-" + i + "-end";
        node.command("ECHO", start);
        steps[i].run();
        node.command("ECHO", end);
        List<String> seen = new ArrayList<>();
        boolean inStep = false;
        for (String line; (line = in.readLine()) != null; ) {
          if (line.contains("\"" + start + "\"")) {
            inStep = true;
          } else if (line.contains("\"" + end + "\"")) {
            break;
          } else if (inStep) {
            // "+<time> [<db> <client>] "CMD" "arg"...": keep the command, shorten long args
            String cmd = line.substring(line.indexOf(']') + 2);
            seen.add(cmd.length() > 160 ? cmd.substring(0, 160) + "..." : cmd);
          }
        }
        System.out.printf(Locale.ROOT, "MONITOR %s step %d: %d command(s)%n", peer, i, seen.size());
        seen.forEach(c -> System.out.println("    " + c));
      }
    }
  }

  private static String percentiles(long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return String.format(Locale.ROOT, "p50 %.1f us, p99 %.1f us",
        sorted[sorted.length / 2] / 1e3, sorted[(int) Math.ceil(sorted.length * 0.99) - 1] / 1e3);
  }

  private static Map<String, byte[]> batch(String prefix, int n) {
    Map<String, byte[]> m = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      m.put(prefix + i, bytes(100, i));
    }
    return m;
  }

  private static byte[] bytes(int size, int seed) {
    byte[] b = new byte[size];
    for (int i = 0; i < size; i++) {
      b[i] = (byte) (seed * 31 + i);
    }
    return b;
  }
}
