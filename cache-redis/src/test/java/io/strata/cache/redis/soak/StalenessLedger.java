package io.strata.cache.redis.soak;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * Records how stale every read of the soak was, in fixed memory: reads are counted per time
 * bucket of their start (10 ms), and each bucket keeps its stalest read with the details a failure
 * message needs. Which bound a bucket is judged by (normal, or degraded because a fault was under
 * way) is decided after the run, once every fault's recovery time is known.
 *
 * <p>Thread-safe; {@link #record} is called by every reader.
 */
public final class StalenessLedger {

  /** One read: who read which key when, what it got, and how stale that was. */
  public record Read(
      int instance, String key, int returned, int newestBefore, long readStart, long staleNanos) {

    /** A sentence with versions and times, relative to {@code origin}. */
    public String describe(VersionedSource source, long origin) {
      long newerAck = source.ackTime(key, returned + 1);
      return String.format(
          "instance i%d read %s at %s s and got %s, but %s was acknowledged at %s s"
              + " (newest before the read: %s): stale by %s",
          instance,
          key,
          Soak.seconds(readStart, origin),
          VersionedSource.value(key, returned),
          VersionedSource.value(key, returned + 1),
          Soak.seconds(newerAck, origin),
          VersionedSource.value(key, newestBefore),
          Soak.millis(staleNanos));
    }
  }

  private static final long BUCKET_NANOS = 10_000_000L;

  private final long origin;
  private final long normalBound;
  private final long degradedBound;
  private final AtomicLongArray reads;
  private final AtomicLongArray overNormal;
  private final AtomicLongArray overDegraded;
  private final AtomicReferenceArray<@Nullable Read> stalest;

  /**
   * @param origin when the load starts (nanoTime)
   * @param span how long reads may go on after {@code origin} (later reads share the last bucket)
   */
  public StalenessLedger(long origin, long span, long normalBound, long degradedBound) {
    this.origin = origin;
    this.normalBound = normalBound;
    this.degradedBound = degradedBound;
    int buckets = (int) (span / BUCKET_NANOS) + 2;
    reads = new AtomicLongArray(buckets);
    overNormal = new AtomicLongArray(buckets);
    overDegraded = new AtomicLongArray(buckets);
    stalest = new AtomicReferenceArray<>(buckets);
  }

  /** Records a read of {@code key} by {@code instance} that began at {@code readStart}. */
  public void record(
      VersionedSource source, int instance, String key, int returned, long readStart) {
    int bucket = bucket(readStart);
    reads.incrementAndGet(bucket);
    long stale = source.stalenessNanos(key, returned, readStart);
    if (stale == 0) {
      return;
    }
    if (stale > normalBound) {
      overNormal.incrementAndGet(bucket);
    }
    if (stale > degradedBound) {
      overDegraded.incrementAndGet(bucket);
    }
    @Nullable Read worst = stalest.get(bucket);
    if (worst != null && worst.staleNanos() >= stale) {
      return;
    }
    Read read =
        new Read(
            instance, key, returned, source.newestAckedBefore(key, readStart), readStart, stale);
    while (true) {
      if (stalest.compareAndSet(bucket, worst, read)) {
        return;
      }
      worst = stalest.get(bucket);
      if (worst != null && worst.staleNanos() >= stale) {
        return;
      }
    }
  }

  /** Judges every bucket by the bound of its mode: degraded if it overlaps a fault window. */
  public Verdict judge(List<FaultWindow> windows) {
    Verdict verdict = new Verdict();
    for (int b = 0; b < reads.length(); b++) {
      long from = origin + b * BUCKET_NANOS;
      long to = from + BUCKET_NANOS;
      boolean degraded = windows.stream().anyMatch(w -> w.overlaps(from, to));
      @Nullable Read worst = stalest.get(b);
      if (degraded) {
        verdict.degradedReads += reads.get(b);
        verdict.degradedOver += overDegraded.get(b);
        if (worst != null
            && (verdict.degradedMax == null
                || worst.staleNanos() > verdict.degradedMax.staleNanos())) {
          verdict.degradedMax = worst;
        }
        if (worst != null && worst.staleNanos() > degradedBound) {
          verdict.violation(worst, "degraded");
        }
      } else {
        verdict.normalReads += reads.get(b);
        verdict.normalOver += overNormal.get(b);
        if (worst != null
            && (verdict.normalMax == null || worst.staleNanos() > verdict.normalMax.staleNanos())) {
          verdict.normalMax = worst;
        }
        if (worst != null && worst.staleNanos() > normalBound) {
          verdict.violation(worst, "normal");
        }
      }
    }
    return verdict;
  }

  /** What the reads of a run came to, per mode. */
  public static final class Verdict {
    long normalReads;
    long degradedReads;
    /** Reads over the bound of their mode. */
    long normalOver;
    long degradedOver;
    @Nullable Read normalMax;
    @Nullable Read degradedMax;
    /** The stalest read of each violating bucket, grouped by the version of a key read. */
    final Map<String, List<Read>> episodes = new LinkedHashMap<>();
    final Map<String, Set<String>> episodeModes = new LinkedHashMap<>();

    private void violation(Read read, String mode) {
      String id = VersionedSource.value(read.key(), read.returned());
      episodes.computeIfAbsent(id, x -> new ArrayList<>()).add(read);
      episodeModes.computeIfAbsent(id, x -> new TreeSet<>()).add(mode);
    }

    /** Returns how many stale episodes (a version of a key served past its bound) there were. */
    public int episodes() {
      return episodes.size();
    }

    public long normalReads() {
      return normalReads;
    }

    public long degradedReads() {
      return degradedReads;
    }

    public long readsOverBound() {
      return normalOver + degradedOver;
    }

    public long normalMaxNanos() {
      return normalMax == null ? 0 : normalMax.staleNanos();
    }

    public long degradedMaxNanos() {
      return degradedMax == null ? 0 : degradedMax.staleNanos();
    }

    public boolean violated() {
      return !episodes.isEmpty();
    }

    /** A line per mode: reads, the largest staleness and the read it was. */
    public String summary(VersionedSource source, long origin) {
      return String.format(
              "normal mode: %,d reads, largest staleness %s%s; degraded mode: %,d reads, largest"
                  + " staleness %s%s; reads over their bound: %,d (normal %,d, degraded %,d)",
              normalReads,
              Soak.millis(normalMaxNanos()),
              normalMax == null ? "" : " (" + normalMax.describe(source, origin) + ")",
              degradedReads,
              Soak.millis(degradedMaxNanos()),
              degradedMax == null ? "" : " (" + degradedMax.describe(source, origin) + ")",
              normalOver + degradedOver,
              normalOver,
              degradedOver);
    }

    /**
     * One line per stale episode (an old version of a key served past the bound), at most {@code
     * limit}: its mode, the instances, how long it lasted, and its stalest read.
     */
    public List<String> describeViolations(VersionedSource source, long origin, int limit) {
      List<String> lines = new ArrayList<>();
      for (Map.Entry<String, List<Read>> e : episodes.entrySet()) {
        if (lines.size() == limit) {
          lines.add("... and " + (episodes.size() - limit) + " more episodes");
          break;
        }
        List<Read> reads = e.getValue();
        Read worst =
            reads.stream().max((a, b) -> Long.compare(a.staleNanos(), b.staleNanos())).get();
        Set<String> instances = new TreeSet<>();
        reads.forEach(r -> instances.add("i" + r.instance()));
        lines.add(
            String.format(
                "%s served by %s past the %s bound, in %d buckets of 10 ms from %s to %s s;"
                    + " the stalest: %s",
                e.getKey(),
                String.join(",", instances),
                String.join("+", episodeModes.get(e.getKey())),
                reads.size(),
                Soak.seconds(reads.get(0).readStart(), origin),
                Soak.seconds(reads.get(reads.size() - 1).readStart(), origin),
                worst.describe(source, origin)));
      }
      return lines;
    }
  }

  private int bucket(long readStart) {
    long b = (readStart - origin) / BUCKET_NANOS;
    return (int) Math.max(0, Math.min(reads.length() - 1, b));
  }
}
