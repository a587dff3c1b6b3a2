package io.strata.cache.examples.virtualthreads;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.MultiLevelCache;
import io.strata.cache.examples.tiles.FakeTileServer;
import io.strata.cache.http.HttpLoader;
import io.strata.cache.http.HttpLoaderOptions;
import io.strata.cache.http.HttpTarget;
import io.strata.cache.http.HttpValue;
import io.strata.cache.redis.RedisCacheClient;
import io.strata.cache.redis.RedisTier;
import io.strata.cache.redis.harness.RedisExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.jfr.Event;
import jdk.jfr.Name;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Virtual-thread callers, and loads on virtual threads, never pin a carrier inside Strata: two
 * caches sharing a real redis-server, read-through from an HTTP upstream, under a bounded mixed
 * load with a Redis stall in the middle, while JFR records every {@code jdk.VirtualThreadPinned}
 * event (threshold zero). A pinned virtual thread holds its carrier while it blocks; with as many
 * carriers as cores, a few of them stall every virtual thread of the application.
 *
 * <p>Runs on Java 21 or newer only (the build includes it by a JDK-activated profile; CI runs it
 * on 25). Compiled for Java 17, so virtual threads are reached reflectively.
 */
class VirtualThreadPinningIT {

  @RegisterExtension static final RedisExtension REDIS = RedisExtension.standalone();

  private static final int CALLERS = 100;
  private static final int OPERATIONS_PER_CALLER = 150;
  private static final int TILES_PER_SIDE = 20;

  private final List<RecordedEvent> pinned = new CopyOnWriteArrayList<>();
  private final CountDownLatch markerSeen = new CountDownLatch(1);
  private RecordingStream recording;
  private ExecutorService virtualThreads;

  /** Committed after the load; once the stream delivers it, every earlier event was delivered. */
  @Name("io.strata.test.LoadEnded")
  static final class LoadEnded extends Event {}

  @BeforeEach
  void createExecutor() throws ReflectiveOperationException {
    virtualThreads = newVirtualThreadPerTaskExecutor();
    recording = new RecordingStream();
    recording.enable("jdk.VirtualThreadPinned").withThreshold(Duration.ZERO).withStackTrace();
    recording.enable(LoadEnded.class);
    recording.onEvent("jdk.VirtualThreadPinned", pinned::add);
    recording.onEvent("io.strata.test.LoadEnded", e -> markerSeen.countDown());
  }

  @AfterEach
  void stopRecording() {
    recording.close();
    virtualThreads.shutdownNow();
  }

  @Test
  void mixedLoadWithARedisStall_pinsNoCarrierInsideStrata() throws Exception {
    REDIS.flushAll();
    FakeTileServer upstream = FakeTileServer.start(0, 300, Duration.ZERO, Duration.ofMillis(3));
    try (RedisCacheClient clientA = RedisCacheClient.create(REDIS.uri());
        RedisCacheClient clientB = RedisCacheClient.create(REDIS.uri());
        MultiLevelCache<String, HttpValue> a = cache(clientA, upstream);
        MultiLevelCache<String, HttpValue> b = cache(clientB, upstream)) {
      // A first round unrecorded: a virtual thread that loads or initializes a class pins its
      // carrier while it does (the JVM resolves classes in native code), once per class. The
      // round that counts is the steady state, in which the same paths run again.
      runLoad(a, b, "warm-up");
      int upstreamBefore = upstream.totalRequests();
      REDIS.flushAll();
      recording.startAsync();
      runLoad(a, b, "recorded");
      new LoadEnded().commit();
      assertThat(markerSeen.await(30, TimeUnit.SECONDS))
          .as("JFR delivered the end-of-load marker")
          .isTrue();
      assertThat(upstream.totalRequests())
          .as("requests the upstream served in the recorded round")
          .isGreaterThan(upstreamBefore);
    } finally {
      upstream.close();
    }

    assertThat(strataPins()).as("pinned virtual threads with a Strata frame").isEmpty();
  }

  /**
   * Runs {@link #CALLERS} virtual threads of mixed operations over caches {@code a} and {@code b},
   * with Redis stalled past its command timeout in the middle; every call must answer.
   */
  private void runLoad(
      MultiLevelCache<String, HttpValue> a, MultiLevelCache<String, HttpValue> b, String round)
      throws Exception {
    List<String> keys = new ArrayList<>();
    for (int x = 0; x < TILES_PER_SIDE; x++) {
      for (int y = 0; y < TILES_PER_SIDE; y++) {
        keys.add("6/" + x + "/" + y);
      }
    }
    AtomicInteger answered = new AtomicInteger();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    List<Future<?>> callers = new ArrayList<>();
    for (int c = 0; c < CALLERS; c++) {
      MultiLevelCache<String, HttpValue> cache = c % 2 == 0 ? a : b;
      SplittableRandom random = new SplittableRandom(c);
      callers.add(
          virtualThreads.submit(
              () -> {
                for (int i = 0; i < OPERATIONS_PER_CALLER; i++) {
                  try {
                    operate(cache, keys, random);
                    answered.incrementAndGet();
                  } catch (RuntimeException | Error e) {
                    failures.add(e);
                  }
                }
              }));
    }
    // Every command stalls past the 250 ms command timeout: timeouts, the breaker and the outage
    // journal all run while virtual threads wait on the cache.
    REDIS.server().clientPause(Duration.ofMillis(800));
    for (Future<?> caller : callers) {
      caller.get(2, TimeUnit.MINUTES);
    }
    assertThat(failures).as("exceptions reaching callers (%s round)", round).isEmpty();
    assertThat(answered).hasValue(CALLERS * OPERATIONS_PER_CALLER);
  }

  /** Shows that the detector sees a pin inside io.strata code, so an empty list means something. */
  @Test
  void detector_seesAPinInStrataCode() throws Exception {
    recording.startAsync();
    virtualThreads.submit(PinsInClassInitialization::touch).get(30, TimeUnit.SECONDS);
    new LoadEnded().commit();
    assertThat(markerSeen.await(30, TimeUnit.SECONDS)).isTrue();

    assertThat(strataPins())
        .anySatisfy(trace -> assertThat(trace).contains("PinsInClassInitialization.<clinit>"));
  }

  private static MultiLevelCache<String, HttpValue> cache(
      RedisCacheClient redis, FakeTileServer upstream) throws ReflectiveOperationException {
    HttpLoader<String> loader =
        HttpLoader.create(
            upstream.baseUri(),
            key -> {
              String[] zxy = key.split("/");
              return HttpTarget.of(zxy[0], zxy[1], zxy[2] + ".png");
            },
            HttpLoaderOptions.ofDefaults());
    return MultiLevelCache.<String, HttpValue>builder("tiles")
        .maximumSize(200)
        .localTtl(Duration.ofMinutes(1))
        .staleIfError(Duration.ofMinutes(5))
        .executor(newVirtualThreadPerTaskExecutor())
        .loader(loader)
        .tier(RedisTier.factory(redis, HttpValue.codec()))
        .build();
  }

  /** Java 21's {@code Executors.newVirtualThreadPerTaskExecutor()}, from code built for 17. */
  private static ExecutorService newVirtualThreadPerTaskExecutor()
      throws ReflectiveOperationException {
    return (ExecutorService)
        Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
  }

  private static void operate(
      MultiLevelCache<String, HttpValue> cache, List<String> keys, SplittableRandom random) {
    String key = keys.get(random.nextInt(keys.size()));
    int dice = random.nextInt(100);
    if (dice < 60) {
      assertThat(cache.get(key)).isNotNull();
    } else if (dice < 70) {
      assertThat(cache.getAsync(key).join()).isNotNull();
    } else if (dice < 80) {
      Map<String, HttpValue> all =
          cache.getAll(List.of(key, keys.get(random.nextInt(keys.size()))));
      assertThat(all).containsKey(key);
    } else if (dice < 90) {
      HttpValue value = cache.get(key);
      cache.put(key, value);
    } else if (dice < 97) {
      cache.invalidate(key);
    } else {
      cache.lookup(key);
    }
  }

  /**
   * The stack traces (one frame per line) of pinned events that pass through io.strata code other
   * than this test's.
   */
  private List<String> strataPins() {
    List<String> traces = new ArrayList<>();
    for (RecordedEvent event : pinned) {
      if (event.getStackTrace() == null) {
        continue;
      }
      StringBuilder trace = new StringBuilder();
      for (String field : List.of("pinnedReason", "blockingOperation")) {
        if (event.hasField(field)) {
          Object value = event.getValue(field);
          trace.append(field).append(": ").append(value).append('\n');
        }
      }
      boolean strata = false;
      for (RecordedFrame frame : event.getStackTrace().getFrames()) {
        String type = frame.getMethod().getType().getName();
        // This class's own frames sit under every caller; they say nothing of the library.
        strata |= type.startsWith("io.strata.") && !type.startsWith(getClass().getName());
        trace.append(type).append('.').append(frame.getMethod().getName()).append('\n');
      }
      if (strata) {
        traces.add(trace.toString());
      }
    }
    return traces;
  }
}
