package io.strata.cache.redis;

import static org.assertj.core.api.Assertions.fail;

import io.strata.cache.MultiLevelCache;
import io.strata.cache.TierHealth;
import io.strata.cache.codec.Codec;
import io.strata.cache.redis.harness.RedisExtension;
import io.strata.cache.redis.soak.FaultWindow;
import io.strata.cache.redis.soak.Soak;
import io.strata.cache.redis.soak.SoakObserver;
import io.strata.cache.redis.soak.StalenessLedger;
import io.strata.cache.redis.soak.VersionedSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The staleness soak, judged against the source of truth. Three instances (a {@link
 * RedisCacheClient} and a {@link MultiLevelCache} each, on one redis-server) load from one
 * versioned source ({@link VersionedSource}: every write bumps a key's version, values read {@code
 * "k17@v42"}, loads wait a few ms so they overlap writes). On every instance a cache-aside writer
 * updates the source and then invalidates the key, a write-through writer updates the source and
 * then puts the new value, and readers {@code get} keys all along. Meanwhile faults: a storm of
 * {@code CLIENT KILL TYPE normal} about every second, a restart of the server on its port, and a
 * SIGSTOP of 2.5 s; the cycle repeats in the long form.
 *
 * <p>It asserts two things. During the run, no read is staler than the bound of the mode the
 * instance was in: the staleness of a read is its start minus the acknowledgement of the first
 * version newer than the one it returned (0 if it returned the newest acknowledged before it
 * began); the bound is {@link #NORMAL_BOUND} outside faults, {@link #DEGRADED_BOUND} from a
 * fault's start until every instance is healthy again plus {@link #GRACE}. After the load stops and
 * every instance hears invalidations again, every instance serves, and Redis holds (or lacks),
 * exactly the source's latest version of every key. A stale write-back into Redis, or a change lost
 * in an outage, fails it, with the key, the versions and the times.
 *
 * <p>About 35 s of load in {@code verify}; {@code -Dstrata.soak.minutes=10} runs the long form (see
 * the module README).
 */
class RedisSoakIT {

  @RegisterExtension static final RedisExtension REDIS = RedisExtension.standalone();

  /** The system property that selects the long form: minutes of load (decimals allowed). */
  static final String MINUTES_PROPERTY = "strata.soak.minutes";

  private static final Duration SHORT_LOAD = Duration.ofSeconds(35);
  private static final int KEYS = 200;
  private static final int INSTANCES = 3;
  private static final int READERS_PER_INSTANCE = 3;
  /** A load waits a random 0..4 ms after reading the source, so loads overlap writes. */
  private static final int MAX_LOAD_DELAY_MICROS = 4_000;
  private static final long READ_PAUSE_NANOS = 20_000;

  private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(500);
  private static final Duration HEARTBEAT_INTERVAL = Duration.ofMillis(250);
  private static final Duration HEARTBEAT_DEADLINE = Duration.ofMillis(500);
  private static final Duration BREAKER_OPEN = Duration.ofMillis(100);
  private static final Duration BREAKER_MAX_OPEN = Duration.ofSeconds(1);
  private static final Duration TTL = Duration.ofMinutes(10); // long: staleness would last
  private static final Duration LOCAL_TTL = Duration.ofSeconds(30);
  private static final Duration DEGRADED_LOCAL_TTL = Duration.ofSeconds(2);

  /**
   * Staleness allowed while everything works: the write's invalidation or put, then the push to
   * every instance. Milliseconds in practice; 1 s because this machine is shared and noisy.
   */
  static final Duration NORMAL_BOUND = Duration.ofSeconds(1);

  /**
   * Staleness allowed during a fault: the degraded mode's bound ({@code degradedLocalTtl}), plus
   * how long a silent connection goes unnoticed (heartbeat interval + deadline), plus how long a
   * recovered Redis may wait for the breaker's next probe before the outage journal is replayed
   * (until then another instance reads the value the journaled change replaced), plus the normal
   * bound.
   */
  static final Duration DEGRADED_BOUND =
      DEGRADED_LOCAL_TTL
          .plus(HEARTBEAT_INTERVAL)
          .plus(HEARTBEAT_DEADLINE)
          .plus(BREAKER_MAX_OPEN)
          .plus(NORMAL_BOUND);

  /** A fault's window ends this long after every instance is UP again. */
  static final Duration GRACE = NORMAL_BOUND;

  private static final Duration STORM = Duration.ofSeconds(8);
  private static final Duration PAUSE = Duration.ofMillis(2_500);
  private static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(20);

  private final List<String> failures = new CopyOnWriteArrayList<>();
  private final List<FaultWindow> windows = new CopyOnWriteArrayList<>();
  private final ConcurrentLinkedQueue<String> callerErrors = new ConcurrentLinkedQueue<>();
  private final AtomicInteger callerErrorCount = new AtomicInteger();
  private final AtomicInteger kills = new AtomicInteger();
  private final AtomicInteger restarts = new AtomicInteger();
  private final AtomicInteger pauses = new AtomicInteger();
  private final LongAdder reads = new LongAdder();
  private final LongAdder asideWrites = new LongAdder();
  private final LongAdder throughWrites = new LongAdder();

  @Test
  void everyReadWithinItsBound_andEveryTierEndsAtTheSourcesLatestVersion() throws Exception {
    Duration load = loadDuration();
    VersionedSource source = new VersionedSource(KEYS, MAX_LOAD_DELAY_MICROS);
    List<RedisCacheClient> clients = new ArrayList<>();
    List<MultiLevelCache<String, String>> caches = new ArrayList<>();
    List<SoakObserver> observers = new ArrayList<>();
    int threads = INSTANCES * (2 + READERS_PER_INSTANCE) + 1;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    AtomicBoolean stop = new AtomicBoolean();
    try {
      for (int i = 0; i < INSTANCES; i++) {
        RedisCacheClient client =
            RedisTierKit.connected(
                RedisConnectionOptions.standalone(REDIS.uri())
                    .commandTimeout(COMMAND_TIMEOUT)
                    .invalidationHeartbeat(HEARTBEAT_INTERVAL, HEARTBEAT_DEADLINE)
                    .build());
        clients.add(client);
        SoakObserver observer = new SoakObserver();
        MultiLevelCache<String, String> cache =
            MultiLevelCache.<String, String>builder("soak")
                .ttl(TTL)
                .localTtl(LOCAL_TTL)
                .degradedLocalTtl(DEGRADED_LOCAL_TTL)
                .tier(
                    RedisTier.builder(client, KeyMapper.strings(), Codec.utf8())
                        .circuitBreaker(
                            CircuitBreakerConfig.builder()
                                .openDuration(BREAKER_OPEN)
                                .maxOpenDuration(BREAKER_MAX_OPEN)
                                .build())
                        .build())
                .loader(source::load)
                .build();
        cache.advanced().addObserver(observer);
        caches.add(cache);
        observers.add(observer);
      }
      for (MultiLevelCache<String, String> cache : caches) {
        RedisTierKit.awaitCoherent(cache);
      }

      long origin = System.nanoTime();
      long deadline = origin + load.toNanos();
      StalenessLedger ledger =
          new StalenessLedger(
              origin,
              load.plusSeconds(120).toNanos(),
              NORMAL_BOUND.toNanos(),
              DEGRADED_BOUND.toNanos());
      List<Future<?>> workers = new ArrayList<>();
      for (int i = 0; i < INSTANCES; i++) {
        int instance = i;
        MultiLevelCache<String, String> cache = caches.get(i);
        workers.add(pool.submit(() -> write(source, cache, false, stop, deadline)));
        workers.add(pool.submit(() -> write(source, cache, true, stop, deadline)));
        for (int r = 0; r < READERS_PER_INSTANCE; r++) {
          workers.add(pool.submit(() -> read(source, ledger, instance, cache, stop, deadline)));
        }
      }
      workers.add(pool.submit(() -> injectFaults(caches, stop, deadline)));
      try {
        for (Future<?> worker : workers) {
          worker.get(load.toSeconds() + 120, TimeUnit.SECONDS);
        }
      } finally {
        stop.set(true);
      }
      long loadEnded = System.nanoTime();

      // Drain: every instance hears invalidations again; pushes in flight arrive.
      for (MultiLevelCache<String, String> cache : caches) {
        RedisTierKit.awaitCoherent(cache);
      }
      Thread.sleep(1_000);
      long checkedAt = System.nanoTime();
      Drained drained = checkEveryKey(source, caches, origin);
      List<String> mismatches = drained.mismatches();

      StalenessLedger.Verdict verdict = ledger.judge(windows);
      report(source, observers, verdict, drained, origin, loadEnded, checkedAt);

      if (!callerErrors.isEmpty()) {
        failures.add(
            callerErrorCount.get() + " exceptions reached callers, e.g. " + callerErrors.peek());
      }
      if (verdict.violated()) {
        failures.add(
            "reads staler than the bound of their mode (normal "
                + Soak.millis(NORMAL_BOUND.toNanos())
                + ", degraded "
                + Soak.millis(DEGRADED_BOUND.toNanos())
                + "):\n  "
                + String.join("\n  ", verdict.describeViolations(source, origin, 20)));
      }
      if (!mismatches.isEmpty()) {
        failures.add(
            mismatches.size()
                + " values after the drain differ from the source's latest version:\n  "
                + String.join("\n  ", mismatches.subList(0, Math.min(30, mismatches.size())))
                + (mismatches.size() > 30 ? "\n  ..." : ""));
      }
      if (kills.get() == 0 || restarts.get() == 0 || pauses.get() == 0) {
        failures.add(
            "faults not all injected: "
                + kills.get()
                + " connections killed, "
                + restarts.get()
                + " restarts, "
                + pauses.get()
                + " pauses");
      }
      if (reads.sum() < 10_000 || asideWrites.sum() < 100 || throughWrites.sum() < 100) {
        failures.add(
            "too little load to judge: "
                + reads.sum()
                + " reads, "
                + asideWrites.sum()
                + " + "
                + throughWrites.sum()
                + " writes");
      }
      if (!failures.isEmpty()) {
        fail("The soak saw:\n" + String.join("\n", failures));
      }
    } finally {
      stop.set(true);
      pool.shutdownNow();
      pool.awaitTermination(30, TimeUnit.SECONDS);
      if (!REDIS.server().isRunning()) {
        REDIS.server().restart();
      }
      caches.forEach(MultiLevelCache::close);
      clients.forEach(RedisCacheClient::close);
    }
  }

  /** Short form unless {@value #MINUTES_PROPERTY} is set. */
  static Duration loadDuration() {
    String minutes = System.getProperty(MINUTES_PROPERTY, "").trim();
    if (minutes.isEmpty()) {
      return SHORT_LOAD;
    }
    double value = Double.parseDouble(minutes);
    Duration load = Duration.ofMillis((long) (value * 60_000));
    if (load.compareTo(SHORT_LOAD) < 0) {
      throw new IllegalArgumentException(
          MINUTES_PROPERTY + " must be at least 0.6 (one cycle of faults takes 32 s), but was "
              + minutes);
    }
    return load;
  }

  /**
   * A writer: picks a key, writes a new version to the source and then tells its cache
   * (invalidate, or put the new value); half the time writes the same key again 0–5 ms later (a
   * burst, which loads started by the first write overlap); then rests 20–80 ms.
   */
  private void write(
      VersionedSource source,
      MultiLevelCache<String, String> cache,
      boolean writeThrough,
      AtomicBoolean stop,
      long deadline) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    while (running(stop, deadline)) {
      String key = VersionedSource.key(random.nextInt(KEYS));
      int burst = random.nextBoolean() ? 2 : 1;
      for (int n = 0; n < burst && running(stop, deadline); n++) {
        if (n > 0) {
          sleepNanos(random.nextLong(5_000_000));
        }
        ReentrantLock lock = source.writeLock(key);
        lock.lock();
        try {
          int version = source.write(key);
          if (writeThrough) {
            cache.put(key, VersionedSource.value(key, version));
            throughWrites.increment();
          } else {
            cache.invalidate(key);
            asideWrites.increment();
          }
        } catch (RuntimeException e) {
          callerError((writeThrough ? "put " : "invalidate ") + key, e);
        } finally {
          lock.unlock();
        }
      }
      sleepNanos(TimeUnit.MILLISECONDS.toNanos(random.nextLong(20, 80)));
    }
  }

  /** A reader: gets random keys, one about every 0.1 ms, and records how stale each answer was. */
  private void read(
      VersionedSource source,
      StalenessLedger ledger,
      int instance,
      MultiLevelCache<String, String> cache,
      AtomicBoolean stop,
      long deadline) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    while (running(stop, deadline)) {
      String key = VersionedSource.key(random.nextInt(KEYS));
      long start = System.nanoTime();
      try {
        String value = cache.get(key);
        if (value == null) {
          callerError("get " + key, new AssertionError("null, but the source has every key"));
          continue;
        }
        ledger.record(source, instance, key, VersionedSource.versionOf(key, value), start);
        reads.increment();
      } catch (RuntimeException e) {
        callerError("get " + key, e);
      }
      // Local hits take well under a microsecond: a breath between reads leaves the two cores to
      // Redis, the event loops and the writers (about 10k reads/s per reader, a read of every key
      // every 2 ms or so across the readers).
      LockSupport.parkNanos(READ_PAUSE_NANOS);
    }
  }

  /**
   * Injects one cycle of faults after another while at least 32 s of load remain: 4 s calm, a kill
   * storm of 8 s, 5 s calm, a restart, 5 s calm, a SIGSTOP of 2.5 s. Each fault's window lasts
   * until every instance is UP again, plus the grace.
   */
  private Void injectFaults(
      List<MultiLevelCache<String, String>> caches, AtomicBoolean stop, long deadline) {
    long cycleLength = TimeUnit.SECONDS.toNanos(32);
    while (!stop.get() && deadline - System.nanoTime() >= cycleLength) {
      sleepWhile(stop, Duration.ofSeconds(4));
      long stormStart = System.nanoTime();
      while (!stop.get() && System.nanoTime() - stormStart < STORM.toNanos()) {
        try {
          kills.addAndGet((int) REDIS.server().clientKill("TYPE", "normal"));
        } catch (RuntimeException e) {
          failures.add("CLIENT KILL failed: " + e);
        }
        sleepWhile(stop, Duration.ofMillis(ThreadLocalRandom.current().nextLong(800, 1_200)));
      }
      recovered("kill storm", stormStart, caches);

      sleepWhile(stop, Duration.ofSeconds(5));
      long restartStart = System.nanoTime();
      REDIS.server().shutdownNoSave();
      sleepWhile(stop, Duration.ofMillis(500));
      REDIS.server().restart();
      restarts.incrementAndGet();
      recovered("restart", restartStart, caches);

      sleepWhile(stop, Duration.ofSeconds(5));
      long pauseStart = System.nanoTime();
      REDIS.server().pause();
      try {
        sleepWhile(stop, PAUSE);
      } finally {
        REDIS.server().resume();
      }
      pauses.incrementAndGet();
      recovered("SIGSTOP " + PAUSE.toMillis() + " ms", pauseStart, caches);
    }
    return null;
  }

  /** Waits until every instance's Redis tier is UP, then records the fault's window. */
  private void recovered(String fault, long start, List<MultiLevelCache<String, String>> caches) {
    sleepNanos(TimeUnit.MILLISECONDS.toNanos(200)); // let the clients notice the fault
    long giveUp = System.nanoTime() + RECOVERY_TIMEOUT.toNanos();
    while (true) {
      List<String> notUp = new ArrayList<>();
      for (int i = 0; i < caches.size(); i++) {
        TierHealth health = caches.get(i).advanced().health().get("redis");
        if (health.state() != TierHealth.State.UP) {
          notUp.add("i" + i + ": " + health);
        }
      }
      long now = System.nanoTime();
      if (notUp.isEmpty() || now - giveUp >= 0) {
        if (!notUp.isEmpty()) {
          failures.add(
              fault + ": not recovered " + RECOVERY_TIMEOUT.toSeconds() + " s after it ended: "
                  + notUp);
        }
        windows.add(new FaultWindow(fault, start, now, now + GRACE.toNanos()));
        return;
      }
      sleepNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
  }

  /** What the check after the drain found: every value that is not the source's latest version. */
  record Drained(
      List<String> mismatches, int staleInRedis, int staleInInstances, int notFromRedis) {}

  /**
   * Reads Redis's field {@code b} of every key directly, then {@code get}s every key on every
   * instance, and returns every value that is not the source's latest version (Redis may lack it),
   * counting separately the instance values that are not what Redis holds either (a stale local
   * copy, as opposed to a stale value written back into Redis).
   */
  private static Drained checkEveryKey(
      VersionedSource source, List<MultiLevelCache<String, String>> caches, long origin) {
    List<String> mismatches = new ArrayList<>();
    List<String> inRedis = new ArrayList<>();
    int staleInRedis = 0;
    for (int k = 0; k < KEYS; k++) {
      String key = VersionedSource.key(k);
      Object held = REDIS.server().command("HGET", "strata:soak:" + key, "b");
      inRedis.add(held == null ? null : String.valueOf(held));
      String expected = VersionedSource.value(key, source.latest(key));
      if (held != null && !expected.equals(String.valueOf(held))) {
        staleInRedis++;
        mismatches.add(
            "Redis holds " + held + "; " + latest(source, key, String.valueOf(held), origin));
      }
    }
    int staleInInstances = 0;
    int notFromRedis = 0;
    for (int i = 0; i < caches.size(); i++) {
      for (int k = 0; k < KEYS; k++) {
        String key = VersionedSource.key(k);
        String served = caches.get(i).get(key);
        String expected = VersionedSource.value(key, source.latest(key));
        if (!Objects.equals(served, expected)) {
          staleInInstances++;
          boolean fromRedis = Objects.equals(served, inRedis.get(k));
          if (!fromRedis) {
            notFromRedis++;
          }
          mismatches.add(
              "instance i"
                  + i
                  + " serves "
                  + served
                  + (fromRedis ? " (as Redis holds)" : " (Redis holds " + inRedis.get(k) + ")")
                  + "; "
                  + latest(source, key, served, origin));
        }
      }
    }
    return new Drained(mismatches, staleInRedis, staleInInstances, notFromRedis);
  }

  /** "the source's latest is k17@v43 (v42 acknowledged at 12.345 s, v43 at 12.348 s)". */
  private static String latest(VersionedSource source, String key, String held, long origin) {
    int latest = source.latest(key);
    StringBuilder text =
        new StringBuilder("the source's latest is ").append(VersionedSource.value(key, latest));
    try {
      int version = VersionedSource.versionOf(key, held);
      text.append(" (");
      for (int v = version + 1; v <= latest; v++) {
        if (v > version + 1) {
          text.append(", ");
        }
        if (v > version + 3 && v < latest) {
          text.append("…");
          v = latest - 1;
          continue;
        }
        text.append('v').append(v).append(" acknowledged at ")
            .append(Soak.seconds(source.ackTime(key, v), origin)).append(" s");
      }
      text.append(')');
    } catch (RuntimeException notAVersion) {
      text.append(" (").append(held).append(" names no version of ").append(key).append(')');
    }
    return text.toString();
  }

  private void report(
      VersionedSource source,
      List<SoakObserver> observers,
      StalenessLedger.Verdict verdict,
      Drained drained,
      long origin,
      long loadEnded,
      long checkedAt) {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "soak: %d instances, %d keys, %s s of load (checked at %s s); %,d reads, %,d writes"
                + " (%,d invalidate, %,d put), %,d source loads%n",
            INSTANCES,
            KEYS,
            Soak.seconds(loadEnded, origin),
            Soak.seconds(checkedAt, origin),
            reads.sum(),
            asideWrites.sum() + throughWrites.sum(),
            asideWrites.sum(),
            throughWrites.sum(),
            source.loads()));
    out.append(
        String.format(
            Locale.ROOT,
            "soak faults: %d connections killed, %d restarts, %d pauses; %d windows: %s%n",
            kills.get(),
            restarts.get(),
            pauses.get(),
            windows.size(),
            windows.size() <= 6
                ? windows.stream().map(w -> w.describe(origin)).toList()
                : windows.stream().limit(6).map(w -> w.describe(origin)).toList()
                    + " and " + (windows.size() - 6) + " more"));
    for (int i = 0; i < observers.size(); i++) {
      SoakObserver o = observers.get(i);
      out.append(
          String.format(
              Locale.ROOT,
              "soak instance i%d: stale writes refused (fillRefused) %d %s, outages %d, local"
                  + " flushes %s, changes deferred %d, replayed %d, loads %,d (failed %d)%n",
              i,
              o.fillsRefused(),
              o.fillsRefusedByTier(),
              o.outages(),
              o.flushesByReason(),
              o.changesDeferred(),
              o.changesReplayed(),
              o.loads(),
              o.failedLoads()));
    }
    out.append(
        String.format(
            Locale.ROOT,
            "soak staleness (bounds: normal %s, degraded %s): %s%n",
            Soak.millis(NORMAL_BOUND.toNanos()),
            Soak.millis(DEGRADED_BOUND.toNanos()),
            verdict.summary(source, origin)));
    out.append(
        String.format(
            Locale.ROOT,
            "soak result: %d stale episodes over their bound, %d exceptions; after the drain %d of"
                + " %d values differ from the source: %d keys with an old version in Redis, %d"
                + " instance values old (%d of them not what Redis holds)%n",
            verdict.episodes(),
            callerErrorCount.get(),
            drained.mismatches().size(),
            (INSTANCES + 1) * KEYS,
            drained.staleInRedis(),
            drained.staleInInstances(),
            drained.notFromRedis()));
    System.out.print(out);
  }

  private void callerError(String call, Throwable e) {
    if (callerErrorCount.incrementAndGet() <= 20) {
      callerErrors.add(call + ": " + e);
    }
  }

  private static boolean running(AtomicBoolean stop, long deadline) {
    return !stop.get() && System.nanoTime() - deadline < 0;
  }

  private static void sleepWhile(AtomicBoolean stop, Duration duration) {
    long end = System.nanoTime() + duration.toNanos();
    while (!stop.get()) {
      long left = end - System.nanoTime();
      if (left <= 0) {
        return;
      }
      sleepNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
    }
  }

  private static void sleepNanos(long nanos) {
    try {
      TimeUnit.NANOSECONDS.sleep(nanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
