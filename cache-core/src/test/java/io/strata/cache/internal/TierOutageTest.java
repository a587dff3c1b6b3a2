package io.strata.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.CacheObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * One lower tier's outage state on its own: when it counts as degraded, what its journal keeps,
 * and how a replay ends. The executor runs tasks on the calling thread unless a test holds them.
 */
class TierOutageTest {

  private final DegradedMode mode = new DegradedMode(false, Duration.ofSeconds(2), null);
  private final List<Runnable> held = new ArrayList<>();
  private boolean holdTasks;
  private final Executor executor =
      task -> {
        if (holdTasks) {
          held.add(task);
        } else {
          task.run();
        }
      };
  private final List<String> events = new ArrayList<>();
  private final ObserverChain observers = new ObserverChain("test");
  private final List<String> replayed = new ArrayList<>();
  private boolean replayFails;
  private final TierOutage<String> outage = new TierOutage<>("test", mode, executor, observers, 3);

  TierOutageTest() {
    observers.add(
        new CacheObserver() {
          @Override
          public void changeDeferred(String tier) {
            events.add("deferred(" + tier + ")");
          }

          @Override
          public void changesReplayed(String tier, int changes) {
            events.add("replayed(" + tier + ", " + changes + ")");
          }
        });
    outage.attach(
        "redis",
        new TierOutage.Replay<>() {
          @Override
          public boolean invalidate(String key) {
            replayed.add(key);
            if (replayFails) {
              outage.deferred(key); // as the tier's fence does with a change it did not take
              return false;
            }
            return true;
          }

          @Override
          public boolean invalidateAll() {
            replayed.add("*");
            if (replayFails) {
              outage.deferredFlush();
              return false;
            }
            return true;
          }
        });
  }

  @Test
  void theModeCapsTheLocalTier_onlyWhileSomeFlagIsSet_andOnlyOncePerTier() {
    assertThat(mode.localCapNanos()).isEqualTo(Long.MAX_VALUE);

    outage.suspended(true);
    outage.failed();
    assertThat(mode.localCapNanos()).isEqualTo(Duration.ofSeconds(2).toNanos());
    outage.suspended(false);
    assertThat(mode.active()).as("still failing").isTrue();
    outage.recovered();

    assertThat(mode.active()).isFalse();
    assertThat(mode.localCapNanos()).isEqualTo(Long.MAX_VALUE);
    outage.suspended(false); // clearing what is not set leaves the count alone
    assertThat(mode.active()).isFalse();
    outage.failed();
    assertThat(mode.active()).isTrue();
  }

  @Test
  void recovered_withNothingFailed_runsNothing() {
    holdTasks = true;

    outage.recovered();

    assertThat(held).isEmpty();
  }

  @Test
  void aDeferredChange_keepsTheTierFromBeingReadForThatKeyOnly_untilReplayed() {
    outage.failed();
    holdTasks = true;
    outage.deferred("a");

    assertThat(outage.holds("a")).isTrue();
    assertThat(outage.holds("b")).isFalse();
    assertThat(outage.holdsAny()).isTrue();
    assertThat(events).containsExactly("deferred(redis)");

    outage.recovered();
    outage.recovered(); // one replay at a time
    assertThat(held).hasSize(1);
    held.remove(0).run();

    assertThat(replayed).containsExactly("a");
    assertThat(outage.holds("a")).isFalse();
    assertThat(outage.holdsAny()).isFalse();
    assertThat(events).containsExactly("deferred(redis)", "replayed(redis, 1)");
    assertThat(mode.active()).isFalse();
  }

  @Test
  void aReplayThatFails_keepsTheKey_andTheTierDegraded_forTheNextRecovery() {
    outage.deferred("a");
    replayFails = true;
    events.clear();

    outage.recovered();

    assertThat(outage.holds("a")).isTrue();
    assertThat(mode.active()).isTrue();
    assertThat(events).as("nothing replayed; deferred again").containsExactly("deferred(redis)");
    replayFails = false;
    outage.recovered();
    assertThat(outage.holds("a")).isFalse();
    assertThat(mode.active()).isFalse();
  }

  @Test
  void aJournalPastItsCapacity_isReplayedAsOneFlush_andForgetsItsKeys() {
    holdTasks = true;
    for (String key : List.of("a", "b", "c")) {
      outage.deferred(key);
    }
    assertThat(outage.holds("z")).as("within capacity: only its keys").isFalse();
    outage.deferred("a"); // the same key again does not count twice
    assertThat(outage.holds("z")).isFalse();

    outage.deferred("d");

    assertThat(outage.holds("z")).as("overflowed: every key").isTrue();
    outage.recovered();
    held.remove(0).run();
    assertThat(replayed).containsExactly("*");
    assertThat(events).endsWith("replayed(redis, 1)");
    assertThat(outage.holds("z")).isFalse();
    assertThat(mode.active()).isFalse();
  }

  @Test
  void aFlushThatFailsToReplay_staysOwed() {
    outage.deferredFlush();
    replayFails = true;

    outage.recovered();

    assertThat(replayed).containsExactly("*");
    assertThat(outage.holds("any")).isTrue();
    replayFails = false;
    outage.recovered();
    assertThat(replayed).containsExactly("*", "*");
    assertThat(outage.holds("any")).isFalse();
  }

  @Test
  void aChangeDeferredWhileTheReplayRuns_isReplayedToo() {
    outage.deferred("a");
    AtomicInteger calls = new AtomicInteger();
    TierOutage<String> racing = new TierOutage<>("test", mode, executor, observers, 3);
    racing.deferred("a");
    racing.attach(
        "redis",
        new TierOutage.Replay<>() {
          @Override
          public boolean invalidate(String key) {
            if (calls.incrementAndGet() == 1) {
              racing.deferred("late"); // another thread's change, not taken meanwhile
            }
            replayed.add(key);
            return true;
          }

          @Override
          public boolean invalidateAll() {
            return true;
          }
        });

    racing.recovered();

    assertThat(replayed).containsExactly("a", "late");
    assertThat(racing.holdsAny()).isFalse();
  }

  @Test
  void aRejectedReplay_canBeStartedAgain() {
    AtomicInteger submitted = new AtomicInteger();
    TierOutage<String> rejecting =
        new TierOutage<>(
            "test",
            mode,
            task -> {
              submitted.incrementAndGet();
              throw new RejectedExecutionException("shut down");
            },
            observers,
            3);
    rejecting.deferred("a");

    rejecting.recovered();
    rejecting.recovered();

    assertThat(submitted).hasValue(2);
    assertThat(rejecting.holds("a")).isTrue();
  }

  @Test
  void aDeferredFlushAlone_makesTheTierDegraded_andIsCounted() {
    outage.deferredFlush();

    assertThat(mode.active()).isTrue();
    assertThat(events).containsExactly("deferred(redis)");
  }

  @Test
  void flushesOnOutage_onlyWhenTheBoundIsShorterThanTheLocalTtl() {
    assertThat(new DegradedMode(false, Duration.ofSeconds(1), Duration.ofSeconds(2)).flushesOnOutage())
        .isTrue();
    assertThat(new DegradedMode(false, Duration.ofSeconds(2), Duration.ofSeconds(2)).flushesOnOutage())
        .isFalse();
    assertThat(new DegradedMode(false, null, null).flushesOnOutage()).isFalse();
    assertThat(new DegradedMode(false, Duration.ofSeconds(1), null).flushesOnOutage()).isTrue();
    assertThat(new DegradedMode(true, null, Duration.ofSeconds(1)).strict()).isTrue();
  }
}
