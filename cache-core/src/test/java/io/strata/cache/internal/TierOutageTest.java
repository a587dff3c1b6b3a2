package io.strata.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.CacheObserver;
import io.strata.cache.Scheduler;
import io.strata.cache.testkit.FakeTicker;
import io.strata.cache.testkit.ManualScheduler;
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
  private boolean tierDown;
  private final FakeTicker ticker = new FakeTicker();
  private final ManualScheduler scheduler = new ManualScheduler(ticker);
  private final long start = ticker.read();
  /** Each replayed key with the milliseconds since the test began. */
  private final List<String> replayedAt = new ArrayList<>();
  private final TierOutage<String> outage =
      new TierOutage<>("test", mode, executor, scheduler, observers, 3);

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
    outage.attach("redis", tierOf(outage));
  }

  /** A tier that records what is replayed into it and fails on request, as its fence reports. */
  private TierOutage.Replay<String> tierOf(TierOutage<String> target) {
    return new TierOutage.Replay<>() {
      @Override
      public boolean replayInvalidate(String key) {
        replayed.add(key);
        replayedAt.add(key + "@" + Duration.ofNanos(ticker.read() - start).toMillis());
        if (replayFails) {
          target.failed();
          return false;
        }
        return true;
      }

      @Override
      public boolean replayInvalidateAll() {
        replayed.add("*");
        if (replayFails) {
          target.failed();
          return false;
        }
        return true;
      }

      @Override
      public boolean isDown() {
        return tierDown;
      }
    };
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
    assertThat(events).as("nothing replayed, nothing deferred anew").isEmpty();
    outage.recovered();
    assertThat(replayed).containsExactly("a", "a");
    assertThat(events).isEmpty();
    replayFails = false;
    outage.recovered();
    assertThat(outage.holds("a")).isFalse();
    assertThat(mode.active()).isFalse();
    assertThat(events).containsExactly("replayed(redis, 1)");
  }

  @Test
  void aReplayThatFailsTheSecondKey_keepsItAndTheKeysAfterIt_andCountsNothingAgain() {
    TierOutage<String> failingOnB = new TierOutage<>("test", mode, executor, scheduler, observers, 3);
    failingOnB.attach(
        "redis",
        new TierOutage.Replay<>() {
          @Override
          public boolean replayInvalidate(String key) {
            replayed.add(key);
            return !key.equals("b");
          }

          @Override
          public boolean replayInvalidateAll() {
            return true;
          }
        });
    holdTasks = true;
    for (String key : List.of("a", "b", "c")) {
      failingOnB.deferred(key);
    }
    failingOnB.recovered();
    held.remove(0).run();

    assertThat(replayed).containsExactly("a", "b");
    assertThat(failingOnB.holds("a")).isFalse();
    assertThat(failingOnB.holds("b")).as("failed again: kept").isTrue();
    assertThat(failingOnB.holds("c")).as("not reached: kept").isTrue();
    assertThat(events)
        .containsExactly("deferred(redis)", "deferred(redis)", "deferred(redis)", "replayed(redis, 1)");
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
  void aFlushThatFailsToReplay_staysOwed_andIsCountedOnce() {
    outage.deferredFlush();
    replayFails = true;

    outage.recovered();

    assertThat(replayed).containsExactly("*");
    assertThat(outage.holds("any")).isTrue();
    assertThat(events).containsExactly("deferred(redis)");
    replayFails = false;
    outage.recovered();
    assertThat(replayed).containsExactly("*", "*");
    assertThat(outage.holds("any")).isFalse();
  }

  @Test
  void aChangeDeferredWhileTheReplayRuns_isReplayedToo() {
    outage.deferred("a");
    AtomicInteger calls = new AtomicInteger();
    TierOutage<String> racing = new TierOutage<>("test", mode, executor, scheduler, observers, 3);
    racing.deferred("a");
    racing.attach(
        "redis",
        new TierOutage.Replay<>() {
          @Override
          public boolean replayInvalidate(String key) {
            if (calls.incrementAndGet() == 1) {
              racing.deferred("late"); // another thread's change, not taken meanwhile
            }
            replayed.add(key);
            return true;
          }

          @Override
          public boolean replayInvalidateAll() {
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
            scheduler,
            observers,
            3);
    rejecting.deferred("a");

    rejecting.recovered();
    rejecting.recovered();

    assertThat(submitted).hasValue(2);
    assertThat(rejecting.holds("a")).isTrue();
  }

  // ---------------------------------------------------------------- retries without traffic

  @Test
  void aDeferredChange_isReplayedWithoutTraffic_oneSecondLater() {
    outage.deferred("a");

    scheduler.advance(TierOutage.FIRST_RETRY.minusNanos(1));
    assertThat(replayed).isEmpty();
    scheduler.advance(Duration.ofNanos(1));

    assertThat(replayed).containsExactly("a");
    assertThat(outage.holdsAny()).isFalse();
    assertThat(mode.active()).isFalse();
  }

  @Test
  void aDeferredFlush_isReplayedWithoutTraffic() {
    outage.deferredFlush();

    scheduler.advance(TierOutage.FIRST_RETRY);

    assertThat(replayed).containsExactly("*");
    assertThat(mode.active()).isFalse();
  }

  @Test
  void onlyOneRetryIsPending_howeverManyChangesAreDeferred() {
    outage.deferred("a");
    outage.deferred("b");
    outage.deferredFlush(); // covers both keys

    assertThat(scheduler.scheduled()).isOne();
    scheduler.advance(TierOutage.FIRST_RETRY);
    assertThat(replayed).containsExactly("*");
    assertThat(scheduler.scheduled()).isOne();
  }

  @Test
  void whileTheTierFails_theRetriesBackOffToTheMaximum_andStartOverOnceItTakesTheJournal() {
    replayFails = true;
    outage.deferred("a");

    for (int i = 0; i < 8; i++) {
      scheduler.advance(Duration.ofSeconds(1));
      scheduler.advance(Duration.ofSeconds(i < 5 ? (1L << i) - 1 : 29));
    }
    // 1, 2, 4, 8, 16 s after each other, then 30 s at most.
    assertThat(replayedAt)
        .containsExactly("a@1000", "a@3000", "a@7000", "a@15000", "a@31000", "a@61000", "a@91000",
            "a@121000");

    replayFails = false;
    scheduler.advance(TierOutage.MAX_RETRY);
    assertThat(outage.holdsAny()).isFalse();
    replayedAt.clear();

    outage.deferred("b");
    scheduler.advance(TierOutage.FIRST_RETRY);
    assertThat(replayedAt).containsExactly("b@152000");
  }

  @Test
  void aClosedOutage_retriesNoMore() {
    outage.deferred("a");

    outage.close();
    outage.deferred("b");
    scheduler.advance(TierOutage.MAX_RETRY);

    assertThat(replayed).isEmpty();
    assertThat(scheduler.scheduled()).isOne();
    assertThat(outage.holds("b")).isTrue(); // still kept: a tier closed with the cache never reads
  }

  @Test
  void aRetryTheSchedulerRefuses_isScheduledAgainByTheNextChange() {
    AtomicInteger attempts = new AtomicInteger();
    Scheduler refusingOnce =
        (delay, task) -> {
          if (attempts.incrementAndGet() == 1) {
            throw new RejectedExecutionException("shutting down");
          }
          return scheduler.schedule(delay, task);
        };
    TierOutage<String> refused =
        new TierOutage<>("test", mode, executor, refusingOnce, observers, 3);
    refused.attach("redis", tierOf(refused));

    refused.deferred("a");
    refused.deferred("b");
    scheduler.advance(TierOutage.FIRST_RETRY); // a refused retry does not lengthen the next wait

    assertThat(attempts).hasValue(2);
    assertThat(replayed).containsExactly("a", "b");
  }

  @Test
  void whileTheTierReportsItselfDown_aRetryCallsItNot_andLooksAgainLater() {
    tierDown = true;
    outage.deferred("a");

    scheduler.advance(TierOutage.FIRST_RETRY);
    assertThat(replayed).isEmpty();
    assertThat(scheduler.scheduled()).isEqualTo(2);

    tierDown = false;
    scheduler.advance(Duration.ofSeconds(2));
    assertThat(replayedAt).containsExactly("a@3000");
  }

  @Test
  void aReplayThatFails_schedulesTheNextRetry_itself() {
    // The replay's failed call journals nothing and schedules nothing (its change was counted
    // and scheduled when first deferred): only the replay can keep the retries going.
    TierOutage<String> racing = new TierOutage<>("test", mode, executor, scheduler, observers, 3);
    racing.attach(
        "redis",
        new TierOutage.Replay<>() {
          @Override
          public boolean replayInvalidate(String key) {
            replayed.add(key);
            return false;
          }

          @Override
          public boolean replayInvalidateAll() {
            return false;
          }
        });
    racing.deferred("a");
    scheduler.advance(TierOutage.FIRST_RETRY);
    assertThat(replayed).containsExactly("a");
    assertThat(racing.holds("a")).isTrue();

    assertThat(scheduler.scheduled()).isEqualTo(2);
  }

  @Test
  void aReplayTheExecutorRefuses_isRetriedLater() {
    AtomicInteger submitted = new AtomicInteger();
    TierOutage<String> refusing =
        new TierOutage<>(
            "test",
            mode,
            task -> {
              if (submitted.incrementAndGet() == 1) {
                throw new RejectedExecutionException("busy");
              }
              task.run();
            },
            scheduler,
            observers,
            3);
    refusing.attach("redis", tierOf(refusing));
    refusing.deferred("a");

    scheduler.advance(TierOutage.FIRST_RETRY);
    assertThat(replayed).isEmpty();
    scheduler.advance(Duration.ofSeconds(2));

    assertThat(submitted).hasValue(2);
    assertThat(replayedAt).containsExactly("a@3000");
  }

  @Test
  void onceTheJournalEmpties_theNextChangeIsRetriedAfterTheFirstWait_notTheLongestYet() {
    replayFails = true;
    outage.deferred("a");
    scheduler.advance(Duration.ofSeconds(1)); // fails: next retry 2 s later
    scheduler.advance(Duration.ofSeconds(2)); // fails: next retry 4 s later, at 7 s
    replayFails = false;
    outage.recovered(); // a call worked: the journal empties at 3 s
    assertThat(outage.holdsAny()).isFalse();
    replayedAt.clear();

    outage.deferred("b");
    scheduler.advance(TierOutage.FIRST_RETRY);

    assertThat(replayedAt).as("not at 7 s, the retry pending before").containsExactly("b@4000");
  }

  @Test
  void aDeferredChangeAlone_makesTheTierDegraded_andIsCounted() {
    outage.deferred("a");

    assertThat(mode.active()).isTrue();
    assertThat(events).containsExactly("deferred(redis)");
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
