package io.strata.cache.redis.internal;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisKeyCommands;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.RedisCommand;
import io.strata.cache.CacheEntry;
import io.strata.cache.CacheObserver;
import io.strata.cache.CacheTier;
import io.strata.cache.Ticker;
import io.strata.cache.TierContext;
import io.strata.cache.TierHealth;
import io.strata.cache.TierLease;
import io.strata.cache.TierUnavailableException;
import io.strata.cache.codec.Codec;
import io.strata.cache.codec.CodecException;
import io.strata.cache.redis.KeyMapper;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.function.IntUnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis tier of one cache. Reads and writes are Lua scripts (see {@link Scripts}), batches are
 * dispatched with one flush, and every call is bounded by the command timeout. A breaker stops
 * traffic to a Redis that keeps failing; every method then throws a {@link
 * TierUnavailableException}, which the cache counts and never passes to its caller.
 *
 * <p>Loads store under leases: a lease key beside each entry holds the token of the load under
 * way, every change of the key (put, invalidate, invalidateAll, another load's store) deletes it,
 * and a load's store ({@link #putLeased}) writes only while its token is still there. So a load
 * that read the source before a change of its key, on any instance, never writes its older value
 * back into Redis. Reads never take a lease. Thread-safe.
 */
public final class RedisCacheTier<K, V> implements CacheTier<K, V> {

  /** The tier's name, as {@code lookup} and metrics report it. */
  public static final String NAME = "redis";

  private static final Logger LOG = LoggerFactory.getLogger(RedisCacheTier.class);
  private static final int BATCH = 512;
  private static final long FIRST_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
  private static final long MAX_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  private static final SecureRandom TOKENS = new SecureRandom();

  /** What the public builder configured. */
  public record Settings<K, V>(
      String prefix,
      KeyMapper<K> keys,
      Codec<V> codec,
      int maxValueBytes,
      int failureThreshold,
      Duration openDuration,
      Duration maxOpenDuration,
      Duration loadLease,
      Duration maxLeaseWait) {}

  /**
   * Redis could not be reached, did not answer in time, or the breaker skips it: the call's result
   * is unknown, and the tier reports the outage itself (breaker, health, one log line per outage).
   */
  static final class UnavailableException extends TierUnavailableException {
    private static final long serialVersionUID = 1L;

    UnavailableException(String message, @Nullable Throwable cause) {
      super(message, cause);
    }

    private UnavailableException(String message) {
      super(message, null, false, false);
    }
  }

  /** Thrown on every call the open breaker skips: reused, since it says nothing per call. */
  private static final UnavailableException SKIPPED =
      new UnavailableException("circuit breaker open: Redis is skipped until a probe succeeds");

  private final RedisLink link;
  private final Settings<K, V> settings;
  private final String cacheName;
  private final Ticker ticker;
  private final CacheObserver observer;
  private final TierContext<K> context;
  private final byte[] namespace;
  private final long timeoutNanos;
  private final CircuitBreaker breaker;
  private final AtomicBoolean loggedCorrupt = new AtomicBoolean();
  private final AtomicBoolean loggedForeign = new AtomicBoolean();
  private final AtomicBoolean loggedTooLarge = new AtomicBoolean();
  private final TrackingListener.Subscription<K> invalidations;
  private final AutoCloseable probeOnReconnect;
  private final BreakerProbe probe;
  /** Why the breaker last opened (or a probe last failed); read by health(). */
  private volatile @Nullable OutageCause outageCause;
  /** When the current outage began (System.nanoTime), for the "works again after" line. */
  private volatile long outageStartedNanos;
  /** {@code <prefix>:lease:{}}: a lease key is this, the entry key, then '}'. */
  private final byte[] leaseSpace;

  public RedisCacheTier(RedisLink link, TierContext<K> context, Settings<K, V> settings) {
    this.link = link;
    this.settings = settings;
    this.context = context;
    this.cacheName = context.cacheName();
    this.ticker = context.ticker();
    this.observer = context.observer();
    this.namespace = (settings.prefix() + cacheName + ":").getBytes(StandardCharsets.UTF_8);
    this.leaseSpace = (settings.prefix() + ":lease:{").getBytes(StandardCharsets.UTF_8);
    // Lettuce times the command out itself; the margin only covers its timer's granularity.
    this.timeoutNanos = link.commandTimeout().toNanos() + TimeUnit.MILLISECONDS.toNanos(50);
    link.admitValuesOf(settings.maxValueBytes());
    this.breaker =
        new CircuitBreaker(
            Ticker.system(),
            settings.failureThreshold(),
            settings.openDuration().toNanos(),
            settings.maxOpenDuration().toNanos(),
            this::breakerChanged);
    // While the breaker is open, probes run in the background: recovery needs no traffic.
    this.probe = new BreakerProbe(breaker, link);
    // Redis back: probe at once instead of waiting out the backoff the outage grew; and if the
    // breaker never opened (the connection was not there yet), replay what was not taken now.
    this.probeOnReconnect =
        link.onConnected(
            () -> {
              breaker.probeSoon();
              probe.start();
              if (breaker.state() == CircuitBreaker.State.CLOSED) {
                // Off Lettuce's event loop: the replay blocks on Redis if the cache's executor
                // runs it inline.
                try {
                  link.probeScheduler().execute(context.invalidations()::recovered);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                  // The client is closing: nothing to replay into.
                }
              }
            });
    // Last: it may suspend the local tier at once, until the namespace is tracked.
    this.invalidations =
        link.tracking()
            .register(
                new String(namespace, StandardCharsets.UTF_8),
                settings.keys(),
                context.invalidations(),
                cacheName);
  }

  @Override
  public String name() {
    return NAME;
  }

  /** A plain read: it never takes a lease nor waits for one, so a peek costs one command. */
  @Override
  public @Nullable CacheEntry<V> get(K key) {
    return getAll(List.of(key)).get(key);
  }

  @Override
  public Map<K, CacheEntry<V>> getAll(Collection<? extends K> keys) {
    if (keys.isEmpty()) {
      return Map.of();
    }
    StatefulConnection<byte[], byte[]> connection = connectionOrFail();
    if (!breaker.tryAcquire()) {
      throw SKIPPED;
    }
    List<K> ordered = List.copyOf(keys);
    List<byte[]> redisKeys = ordered.stream().map(this::redisKey).toList();
    List<Object> replies = read(connection, redisKeys);
    long now = ticker.read();
    Map<K, CacheEntry<V>> found = new HashMap<>(ordered.size() * 2);
    List<byte[]> toDelete = new ArrayList<>();
    for (int i = 0; i < ordered.size(); i++) {
      CacheEntry<V> entry = readReply(replies.get(i), now, redisKeys.get(i), toDelete);
      if (entry != null) {
        found.put(ordered.get(i), entry);
      }
    }
    deleteQuietly(toDelete);
    return found;
  }

  @Override
  public void put(K key, CacheEntry<V> entry) {
    store(Map.of(key, entry), Map.of());
  }

  @Override
  public void putAll(Map<? extends K, CacheEntry<V>> entries) {
    store(entries, Map.of());
  }

  /**
   * Takes a lease per key, all in one batch with one flush: a token of this call's, set with {@code
   * SET NX PX loadLease} beside each entry (outside every tracked namespace, so taking it tells no
   * instance anything, this one included). For a load, the same script first checks that the
   * entry is still absent: a key stored since the load's read (a put, another instance's load) is
   * read and answered {@code found} if fresh; an expired entry the load renews, or one another
   * version of the service wrote (another codec, a newer format: unreadable here, left in place),
   * is leased in a second batch, and the load's store replaces it. A key whose lease is held elsewhere answers {@code shared} with the holder's
   * token; with the stampede guard on, a load of one such key polls (2 ms, doubling to 50 ms) for
   * up to {@code maxWait} for a fresh entry ({@code found}) or a free lease ({@code held}). A
   * refresh leases whatever Redis holds and never waits. Keys whose lease cannot share their slot
   * on a Cluster are left out. Thread-safe.
   *
   * @throws TierUnavailableException if the breaker is open or Redis fails (no lease is held then:
   *     any this call set expire after {@code loadLease})
   */
  @Override
  public Map<K, TierLease<V>> lease(Collection<? extends K> keys, boolean refresh) {
    List<K> leased = new ArrayList<>(keys.size());
    List<byte[]> entryKeys = new ArrayList<>(keys.size());
    List<byte[]> leaseKeys = new ArrayList<>(keys.size());
    for (K key : keys) {
      byte[] entryKey = redisKey(key);
      byte[] leaseKey = leaseKeyOf(entryKey);
      if (leaseKey != null) {
        leased.add(key);
        entryKeys.add(entryKey);
        leaseKeys.add(leaseKey);
      }
    }
    if (leased.isEmpty()) {
      return Map.of();
    }
    StatefulConnection<byte[], byte[]> connection = connectionOrFail();
    if (!breaker.tryAcquire()) {
      throw SKIPPED;
    }
    // One token per call: it only has to tell this load from every other one.
    String token = newToken();
    Map<K, TierLease<V>> answer = new HashMap<>(leased.size() * 2);
    List<Integer> all = new ArrayList<>(leased.size());
    for (int i = 0; i < leased.size(); i++) {
      all.add(i);
    }
    List<Integer> present =
        takeLeases(connection, all, leased, leaseKeys, refresh ? null : entryKeys, token, answer);
    if (!present.isEmpty()) {
      List<Object> reads = read(connection, present.stream().map(entryKeys::get).toList());
      long now = ticker.read();
      List<byte[]> toDelete = new ArrayList<>();
      List<Integer> renewed = new ArrayList<>();
      for (int i = 0; i < present.size(); i++) {
        int at = present.get(i);
        CacheEntry<V> entry = readReply(reads.get(i), now, entryKeys.get(at), toDelete);
        if (entry != null && entry.isFresh(now)) {
          answer.put(leased.get(at), TierLease.found(entry));
        } else {
          renewed.add(at);
        }
      }
      deleteQuietly(toDelete);
      takeLeases(connection, renewed, leased, leaseKeys, null, token, answer);
    }
    if (!refresh && keys.size() == 1 && !settings.maxLeaseWait().isZero()) {
      TierLease<V> only = answer.get(leased.get(0));
      if (only.token() != null && !only.isHeld()) {
        answer.put(
            leased.get(0), awaitHolder(connection, leased.get(0), leaseKeys.get(0), token, only));
      }
    }
    return answer;
  }

  /**
   * Runs the lease script for the keys at {@code indexes}, one batch, and records each answer;
   * returns the indexes whose entry key exists (only when {@code entryKeys} are given). An error
   * reply gives back every lease taken so far and is thrown.
   */
  private List<Integer> takeLeases(
      StatefulConnection<byte[], byte[]> connection,
      List<Integer> indexes,
      List<K> leased,
      List<byte[]> leaseKeys,
      @Nullable List<byte[]> entryKeys,
      String token,
      Map<K, TierLease<V>> answer) {
    if (indexes.isEmpty()) {
      return List.of();
    }
    long leaseMillis = settings.loadLease().toMillis();
    List<Object> replies =
        run(
            connection,
            indexes.size(),
            (i, eval) ->
                Scripts.lease(
                    leaseKeys.get(indexes.get(i)),
                    entryKeys == null ? null : entryKeys.get(indexes.get(i)),
                    token,
                    leaseMillis,
                    eval));
    List<Integer> present = new ArrayList<>();
    RedisCommandExecutionException failed = null;
    for (int i = 0; i < indexes.size(); i++) {
      Object reply = replies.get(i);
      if (reply instanceof RedisCommandExecutionException error) {
        failed = error; // a lease key of another type: the caller gets no lease at all
      } else if (reply instanceof List<?> parts && parts.size() == 1 && Long.valueOf(2).equals(parts.get(0))) {
        present.add(indexes.get(i));
      } else {
        answer.put(leased.get(indexes.get(i)), leaseReply(reply, token));
      }
    }
    if (failed != null) {
      try {
        release(answer);
      } catch (RuntimeException e) {
        LOG.debug("Could not give back the leases of a failed call of cache '{}'", cacheName, e);
      }
      throw failed;
    }
    return present;
  }

  /**
   * The distributed stampede guard: polls until the holder's value is there, its lease is free and
   * taken here (it gave up, or died and its lease expired), or {@code maxLeaseWait} passed. Stale
   * entries do not end the wait: the holder is renewing them.
   */
  private TierLease<V> awaitHolder(
      StatefulConnection<byte[], byte[]> connection,
      K key,
      byte[] leaseKey,
      String token,
      TierLease<V> shared) {
    byte[] redisKey = redisKey(key);
    long leaseMillis = settings.loadLease().toMillis();
    long deadline = System.nanoTime() + settings.maxLeaseWait().toNanos();
    long pause = FIRST_POLL_NANOS;
    TierLease<V> current = shared;
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return current;
      }
      LockSupport.parkNanos(Math.min(pause, left));
      if (Thread.currentThread().isInterrupted()) {
        return current;
      }
      pause = Math.min(pause * 2, MAX_POLL_NANOS);
      if (!breaker.tryAcquire()) {
        return current;
      }
      CacheEntry<V> entry = readFresh(connection, redisKey);
      if (entry != null) {
        return TierLease.found(entry);
      }
      if (!breaker.tryAcquire()) {
        return current;
      }
      Object taken =
          run(connection, 1, (i, eval) -> Scripts.lease(leaseKey, null, token, leaseMillis, eval))
              .get(0);
      if (taken instanceof RedisCommandExecutionException error) {
        throw error;
      }
      current = leaseReply(taken, token);
      if (current.isHeld()) {
        return storedMeanwhileOr(connection, key, redisKey, current);
      }
    }
  }

  /**
   * A free lease is also what a holder leaves when it stores: if it stored between this poll's
   * read and its lease, the entry is there now (the store ends the lease in the same transaction),
   * and loading again would be the very stampede the guard is for. So the lease just taken is
   * given back and the holder's entry answered.
   */
  private TierLease<V> storedMeanwhileOr(
      StatefulConnection<byte[], byte[]> connection, K key, byte[] redisKey, TierLease<V> taken) {
    if (!breaker.tryAcquire()) {
      return taken;
    }
    CacheEntry<V> entry;
    try {
      entry = readFresh(connection, redisKey);
    } catch (RuntimeException e) {
      return taken; // the lease is held: loading under it is what a waiter does anyway
    }
    if (entry == null) {
      return taken;
    }
    try {
      release(Map.of(key, taken));
    } catch (RuntimeException e) {
      LOG.debug("Could not give back a lease of cache '{}' (it expires by itself)", cacheName, e);
    }
    return TierLease.found(entry);
  }

  /** Reads one key: its entry if fresh, else null (deleting it if unreadable, as a get does). */
  private @Nullable CacheEntry<V> readFresh(
      StatefulConnection<byte[], byte[]> connection, byte[] redisKey) {
    Object reply = read(connection, List.of(redisKey)).get(0);
    long now = ticker.read();
    List<byte[]> toDelete = new ArrayList<>(1);
    CacheEntry<V> entry = readReply(reply, now, redisKey, toDelete);
    deleteQuietly(toDelete);
    return entry != null && entry.isFresh(now) ? entry : null;
  }

  private TierLease<V> leaseReply(Object reply, String token) {
    if (reply instanceof List<?> parts && !parts.isEmpty() && parts.get(0) instanceof Long taken) {
      if (taken == 1L) {
        return TierLease.held(token);
      }
      if (parts.size() == 2 && parts.get(1) instanceof byte[] holder) {
        return TierLease.shared(new String(holder, StandardCharsets.UTF_8));
      }
    }
    throw new IllegalStateException("unexpected reply to the lease script: " + reply);
  }

  /**
   * Stores each entry that has a lease token (held or shared) only if that token still holds its
   * lease, and ends the lease; the others as {@link #putAll} does. All in one batch with one flush.
   * A value over {@code maxValueBytes} under a lease is not written and its entry is left alone
   * (it may hold a newer value by now): its lease is given back instead, and the key counts as
   * refused only if the lease was already gone. Thread-safe.
   *
   * @return the keys whose lease no longer held their token: changed since the load began, stored
   *     by another load under the same lease, or expired after {@code loadLease}
   * @throws TierUnavailableException if the breaker is open or Redis fails
   */
  @Override
  public Set<K> putLeased(
      Map<? extends K, CacheEntry<V>> entries, Map<? extends K, TierLease<V>> leases) {
    return store(entries, leases);
  }

  /**
   * Writes {@code entries}, those with a lease in {@code leases} under it, in one batch; returns
   * the leased keys that were refused.
   */
  private Set<K> store(
      Map<? extends K, CacheEntry<V>> entries, Map<? extends K, TierLease<V>> leases) {
    StatefulConnection<byte[], byte[]> connection = connectionOrFail();
    // A plain write as a transaction where it can be one: a script costs the server several times
    // as much. A load's store stays a script: it checks its lease and writes in one step.
    boolean transactional = link.canWriteAsOneUnit(connection);
    long now = ticker.read();
    // Per command: the key whose lease it checks (null when it checks none), and the command.
    List<@Nullable K> checked = new ArrayList<>(entries.size());
    List<Function<Boolean, AsyncCommand<byte[], byte[], ?>>> commands =
        new ArrayList<>(entries.size());
    // Per command: the key a checked write writes and the write's id, forgotten if refused.
    List<byte @Nullable []> written = new ArrayList<>(entries.size());
    List<byte @Nullable []> writeIds = new ArrayList<>(entries.size());
    // Every write, with its id: the pushes for them are this instance's own.
    List<byte[]> expectedKeys = new ArrayList<>(entries.size());
    List<byte[]> expectedIds = new ArrayList<>(entries.size());
    // Plain writes on a single node, many entries to a transaction; per command, its entries.
    @Nullable List<TransactionalWrite.Write> group = null;
    List<@Nullable List<TransactionalWrite.Write>> groups = new ArrayList<>(1);
    boolean scripted = false;
    for (Map.Entry<? extends K, CacheEntry<V>> mapping : entries.entrySet()) {
      K key = mapping.getKey();
      byte[] redisKey = redisKey(key);
      byte[] leaseKey = leaseKeyOf(redisKey);
      TierLease<V> lease = leases.get(key);
      String token = lease == null || leaseKey == null ? null : lease.token();
      CacheEntry<V> entry = mapping.getValue();
      V value = entry.value();
      byte[] bytes = value == null ? null : settings.codec().encode(value);
      boolean tooLarge = bytes != null && bytes.length > settings.maxValueBytes();
      if (tooLarge) {
        tooLarge(bytes.length);
      }
      byte[] writeId = OwnWrites.newId();
      EntryFormat.Encoded encoded =
          tooLarge ? null : EntryFormat.encode(entry, bytes, settings.codec().id(), writeId, now);
      if (encoded != null) {
        expectedKeys.add(redisKey);
        expectedIds.add(writeId);
      }
      if (encoded != null && token == null && transactional) {
        if (group == null || group.size() == TransactionalWrite.MAX_ENTRIES) {
          List<TransactionalWrite.Write> writes = new ArrayList<>();
          group = writes;
          checked.add(null);
          written.add(null);
          writeIds.add(null);
          groups.add(writes);
          commands.add(eval -> new TransactionalWrite(writes));
        }
        group.add(new TransactionalWrite.Write(redisKey, leaseKey, encoded));
        continue;
      }
      scripted = true;
      written.add(encoded == null ? null : redisKey);
      writeIds.add(encoded == null ? null : writeId);
      groups.add(null);
      if (encoded == null) {
        if (token != null) {
          checked.add(key);
          commands.add(eval -> Scripts.release(leaseKey, token, eval));
        } else {
          // The previous value must not outlive the one that replaced it.
          checked.add(null);
          commands.add(eval -> unlinkWithLease(redisKey, leaseKey));
        }
      } else if (token != null) {
        checked.add(key);
        commands.add(eval -> Scripts.fill(redisKey, leaseKey, token, encoded, eval));
      } else {
        checked.add(null);
        commands.add(eval -> Scripts.write(redisKey, leaseKey, encoded, eval));
      }
    }
    if (commands.isEmpty()) {
      return Set.of();
    }
    if (!breaker.tryAcquire()) {
      throw SKIPPED; // the cache counts the dropped write and journals a change
    }
    IntUnaryOperator keysOf =
        i -> {
          List<TransactionalWrite.Write> grouped = groups.get(i);
          return grouped == null ? 1 : grouped.size();
        };
    CommandMaker maker = (i, eval) -> commands.get(i).apply(eval);
    // Only transactions: sent where Redis pushes them to every tracker but this client's own, so
    // there is no echo to check. A script is pushed even to the connection that ran it.
    StatefulConnection<?, ?> quiet = scripted ? null : invalidations.quietWriter();
    List<Object> replies = null;
    if (quiet != null) {
      try {
        replies = send(quiet, commands.size(), keysOf, maker);
        breaker.onSuccess();
      } catch (UnavailableException e) {
        if (OutageCause.of(e).kind() != OutageCause.Kind.CONNECTION_CLOSED) {
          breaker.onFailure(e);
          throw e;
        }
        // The tracking connection closed, maybe before Redis took the write: it goes again on
        // the shared one (the same entries, so the same write), and the breaker hears of that.
      } finally {
        // Even after a failure: the write may have been applied, and an eviction is always safe.
        invalidations.wroteQuietly(expectedKeys);
      }
    }
    if (replies == null) {
      for (int i = 0; i < expectedKeys.size(); i++) {
        invalidations.expectWrite(expectedKeys.get(i), expectedIds.get(i));
      }
      // Deletions and writes go in one batch: their keys differ, so their order does not matter.
      replies = run(connection, commands.size(), keysOf, maker);
    }
    Set<K> refused = new HashSet<>();
    List<TransactionalWrite.Write> retyped = new ArrayList<>(0);
    for (int i = 0; i < replies.size(); i++) {
      Object reply = replies.get(i);
      if (reply instanceof RedisCommandExecutionException error) {
        throw error;
      }
      List<TransactionalWrite.Write> transaction = groups.get(i);
      if (transaction != null) {
        retyped.addAll(TransactionalWrite.refused(transaction, (List<?>) reply));
        continue;
      }
      K key = checked.get(i);
      if (key != null && Long.valueOf(0).equals(reply)) {
        refused.add(key);
        byte[] redisKey = written.get(i);
        if (redisKey != null) {
          invalidations.forgetWrite(redisKey, writeIds.get(i));
        }
      }
    }
    if (!retyped.isEmpty()) {
      // Keys of another type, which the transaction could not replace: the script deletes them.
      // Its push comes back even after a quiet write, unchecked: a lost local hit, on a rare path.
      List<Object> rewritten =
          run(
              connection,
              retyped.size(),
              (i, eval) -> Scripts.write(retyped.get(i).key(), null, retyped.get(i).entry(), eval));
      for (Object reply : rewritten) {
        if (reply instanceof RedisCommandExecutionException error) {
          throw error;
        }
      }
    }
    return refused;
  }

  /**
   * Gives back the held leases among {@code leases}, each only if it still holds this load's token
   * (it may have expired and been taken by another load since); one batch. Thread-safe.
   *
   * @throws TierUnavailableException if the breaker is open or Redis fails: the leases then expire
   *     after {@code loadLease}
   */
  @Override
  public void release(Map<? extends K, TierLease<V>> leases) {
    List<byte[]> leaseKeys = new ArrayList<>(leases.size());
    List<String> tokens = new ArrayList<>(leases.size());
    leases.forEach(
        (key, lease) -> {
          String token = lease.token();
          byte[] leaseKey = lease.isHeld() && token != null ? leaseKeyOf(redisKey(key)) : null;
          if (leaseKey != null) {
            leaseKeys.add(leaseKey);
            tokens.add(token);
          }
        });
    if (leaseKeys.isEmpty()) {
      return;
    }
    StatefulConnection<byte[], byte[]> connection = connectionOrFail();
    if (!breaker.tryAcquire()) {
      throw SKIPPED;
    }
    List<Object> replies =
        run(
            connection,
            leaseKeys.size(),
            (i, eval) -> Scripts.release(leaseKeys.get(i), tokens.get(i), eval));
    for (Object reply : replies) {
      if (reply instanceof RedisCommandExecutionException error) {
        throw error;
      }
    }
  }

  @Override
  public void invalidate(K key) {
    StatefulConnection<byte[], byte[]> connection = connectionOrFail();
    if (!breaker.tryAcquire()) {
      throw SKIPPED;
    }
    byte[] redisKey = redisKey(key);
    byte[] leaseKey = leaseKeyOf(redisKey);
    // The lease goes in the same command: a load under way must not store what it read before.
    run(connection, 1, (i, eval) -> unlinkWithLease(redisKey, leaseKey));
  }

  @Override
  public void invalidateAll() {
    StatefulConnection<byte[], byte[]> connection = connectionOrFail();
    if (!breaker.tryAcquire()) {
      throw SKIPPED;
    }
    RedisKeyCommands<byte[], byte[]> commands =
        connection instanceof StatefulRedisClusterConnection<byte[], byte[]> cluster
            ? cluster.sync()
            : ((StatefulRedisConnection<byte[], byte[]>) connection).sync();
    byte[] leases = new byte[leaseSpace.length + namespace.length];
    System.arraycopy(leaseSpace, 0, leases, 0, leaseSpace.length);
    System.arraycopy(namespace, 0, leases, leaseSpace.length, namespace.length);
    try {
      unlinkAll(commands, namespace);
      // After the entries: a load that leased before this call must not store what it read.
      unlinkAll(commands, leases);
      // Every instance tracks the namespace itself: touching it tells them all to flush,
      // including entries whose keys were already gone from Redis.
      run(connection, 1, (i, eval) -> Scripts.touch(namespace));
    } catch (RedisCommandExecutionException | UnavailableException e) {
      throw e;
    } catch (RedisException e) {
      breaker.onFailure(e);
      throw new UnavailableException("Redis failed during invalidateAll of cache '" + cacheName + "'", e);
    }
  }

  /** SCAN + UNLINK, a page at a time, of every key starting with {@code start}, on every master. */
  private static void unlinkAll(RedisKeyCommands<byte[], byte[]> commands, byte[] start) {
    ScanArgs match = ScanArgs.Builder.matches(globEscape(start)).limit(1000);
    KeyScanCursor<byte[]> cursor = commands.scan(match);
    while (true) {
      if (!cursor.getKeys().isEmpty()) {
        commands.unlink(cursor.getKeys().toArray(new byte[0][]));
      }
      if (cursor.isFinished()) {
        return;
      }
      // Cluster scans need the cursor object itself: it remembers which node comes next.
      cursor = commands.scan(cursor, match);
    }
  }

  /**
   * Returns the tier's state; a detail names the cause class (connection refused, timeout, TLS
   * handshake, authentication, unknown host, error reply with its code, closed connection) and the
   * innermost message. The breaker's states keep their detail prefixes ({@code circuit breaker
   * open:}, {@code circuit breaker half-open:}), which health endpoints may read. Never blocks.
   */
  @Override
  public TierHealth health() {
    String bypassed = invalidations.suspendedBecause();
    return switch (breaker.state()) {
      case CLOSED -> {
        if (link.connection() == null) {
          OutageCause failure = link.lastConnectFailure();
          yield TierHealth.down(
              failure == null
                  ? "not connected to Redis yet: connecting"
                  : "not connected to Redis: " + failure);
        }
        yield bypassed != null
            ? TierHealth.degraded(
                "invalidations from Redis not heard (" + bypassed + "): local tier within its"
                    + " staleness bound, or bypassed if strict")
            : TierHealth.up();
      }
      case HALF_OPEN -> TierHealth.degraded(
          "circuit breaker half-open: probing Redis after " + describeOutage());
      case OPEN -> TierHealth.down("circuit breaker open: " + describeOutage());
    };
  }

  private String describeOutage() {
    OutageCause cause = outageCause;
    return cause == null ? "Redis failed repeatedly" : cause.toString();
  }

  /**
   * Returns the cause class of a failure; a command refused only because the connection is not
   * open says less than why Lettuce cannot reopen it, so that reason is preferred then.
   */
  private OutageCause explain(Throwable failure) {
    OutageCause cause = OutageCause.of(failure);
    if (cause.kind() == OutageCause.Kind.CONNECTION_CLOSED
        || cause.kind() == OutageCause.Kind.OTHER) {
      OutageCause reconnect = link.lastConnectFailure();
      if (reconnect != null) {
        return reconnect;
      }
    }
    return cause;
  }

  @Override
  public void close() {
    // The connections belong to the RedisCacheClient, shared with other caches.
    invalidations.close();
    probe.close();
    try {
      probeOnReconnect.close();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  // ---------------------------------------------------------------- commands

  /**
   * Reads the entries at {@code keys}, one reply each for {@link #readReply}: as transactions of
   * plain commands on a single node, up to {@link TransactionalRead#MAX_KEYS} keys to one, with the
   * read script on a Cluster (where a transaction's commands would be routed apart) or wherever the
   * transaction cannot be written as one unit.
   */
  private List<Object> read(StatefulConnection<byte[], byte[]> connection, List<byte[]> keys) {
    if (!link.canWriteAsOneUnit(connection)) {
      return run(
          connection,
          keys.size(),
          (i, eval) -> Scripts.read(keys.get(i), settings.maxValueBytes(), eval));
    }
    List<TransactionalRead> transactions = new ArrayList<>();
    for (int from = 0; from < keys.size(); from += TransactionalRead.MAX_KEYS) {
      transactions.add(
          new TransactionalRead(
              keys.subList(from, Math.min(keys.size(), from + TransactionalRead.MAX_KEYS))));
    }
    List<Object> execReplies =
        run(
            connection,
            transactions.size(),
            i -> transactions.get(i).keys(),
            (i, eval) -> transactions.get(i));
    List<Object> replies = new ArrayList<>(keys.size());
    for (int i = 0; i < transactions.size(); i++) {
      TransactionalRead transaction = transactions.get(i);
      if (execReplies.get(i) instanceof List<?> execReply) {
        replies.addAll(transaction.perKey(execReply));
      } else {
        // The EXEC itself failed, for a reason other than Redis being unavailable (run threw then).
        replies.addAll(Collections.nCopies(transaction.keys(), execReplies.get(i)));
      }
    }
    return replies;
  }

  /** {@link #run(StatefulConnection, int, IntUnaryOperator, CommandMaker)}, one key per command. */
  private List<Object> run(StatefulConnection<?, ?> connection, int count, CommandMaker maker) {
    return run(connection, count, i -> 1, maker);
  }

  /**
   * Sends {@code count} commands in batches of about {@link #BATCH} keys ({@code keys} tells how
   * many the command at an index carries: a transaction, many), each batch written with one flush
   * and answered within the command timeout, and returns each reply or its error reply (as a
   * {@link RedisCommandExecutionException}), in order. A script the server does not know yet is
   * sent again as EVAL.
   *
   * @throws UnavailableException if Redis did not answer in time or the connection failed
   */
  private List<Object> run(
      StatefulConnection<?, ?> connection, int count, IntUnaryOperator keys, CommandMaker maker) {
    List<Object> replies;
    try {
      replies = send(connection, count, keys, maker);
    } catch (UnavailableException e) {
      breaker.onFailure(e);
      throw e;
    }
    breaker.onSuccess();
    return replies;
  }

  /**
   * {@link #run(StatefulConnection, int, IntUnaryOperator, CommandMaker)} without telling the
   * breaker: the caller does.
   */
  private List<Object> send(
      StatefulConnection<?, ?> connection, int count, IntUnaryOperator keys, CommandMaker maker) {
    List<Object> replies = new ArrayList<>(count);
    try {
      for (int from = 0; from < count; ) {
        List<Integer> batch = new ArrayList<>();
        int inBatch = 0;
        while (from < count && (batch.isEmpty() || inBatch + keys.applyAsInt(from) <= BATCH)) {
          inBatch += keys.applyAsInt(from);
          batch.add(from++);
        }
        List<Object> batchReplies = dispatch(connection, batch, i -> maker.make(i, false));
        List<Integer> retry = new ArrayList<>();
        for (int i = 0; i < batchReplies.size(); i++) {
          if (batchReplies.get(i) instanceof Throwable error && Scripts.isNoScript(error)) {
            retry.add(i);
          }
        }
        if (!retry.isEmpty()) {
          List<Integer> again = retry.stream().map(batch::get).toList();
          List<Object> retried = dispatch(connection, again, i -> maker.make(i, true));
          for (int i = 0; i < retry.size(); i++) {
            batchReplies.set(retry.get(i), retried.get(i));
          }
        }
        replies.addAll(batchReplies);
      }
      for (Object reply : replies) {
        // LOADING, BUSY, OOM, READONLY, ...: the server answered, but cannot serve. WRONGTYPE
        // and the like are about the command, and leave the breaker alone.
        if (reply instanceof RedisCommandExecutionException error
            && OutageCause.meansUnavailable(error)) {
          throw new UnavailableException(
              "Redis cannot serve cache '" + cacheName + "' now: " + error.getMessage(), error);
        }
      }
    } catch (UnavailableException e) {
      throw e;
    } catch (RuntimeException e) {
      // Whatever else Lettuce throws, the caller tells the breaker: a probe must always report.
      throw new UnavailableException(
          "Redis failed for cache '" + cacheName + "': " + RedisLink.rootMessage(e), e);
    }
    return replies;
  }

  /**
   * Sends {@code commands} with Lettuce's dispatch. A command carries its own codec and output: a
   * connection's type parameters only type its own command API, so any connection of the link
   * carries these byte[] commands.
   */
  @SuppressWarnings("unchecked")
  private static void dispatchOn(
      StatefulConnection<?, ?> connection, List<RedisCommand<byte[], byte[], ?>> commands) {
    StatefulConnection<byte[], byte[]> bytes = (StatefulConnection<byte[], byte[]>) connection;
    if (commands.size() == 1) {
      bytes.dispatch(commands.get(0));
    } else {
      bytes.dispatch(commands);
    }
  }

  @FunctionalInterface
  private interface CommandMaker {
    AsyncCommand<byte[], byte[], ?> make(int index, boolean eval);
  }

  private List<Object> dispatch(
      StatefulConnection<?, ?> connection,
      List<Integer> indexes,
      Function<Integer, AsyncCommand<byte[], byte[], ?>> maker) {
    List<AsyncCommand<byte[], byte[], ?>> commands = new ArrayList<>(indexes.size());
    for (Integer index : indexes) {
      commands.add(maker.apply(index));
    }
    List<RedisCommand<byte[], byte[], ?>> toSend = new ArrayList<>(commands.size());
    boolean transactions = false;
    for (AsyncCommand<byte[], byte[], ?> command : commands) {
      if (command instanceof Transaction transaction) {
        toSend.addAll(transaction.opening());
        transactions = true;
      }
      toSend.add(command);
    }
    if (transactions) {
      // One write, so that no other command lands inside a transaction.
      link.writeAsOneUnit(connection, toSend);
    } else {
      dispatchOn(connection, toSend);
    }
    long deadline = System.nanoTime() + timeoutNanos;
    List<Object> replies = new ArrayList<>(commands.size());
    for (AsyncCommand<byte[], byte[], ?> command : commands) {
      try {
        replies.add(command.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof RedisCommandExecutionException error) {
          replies.add(command instanceof Transaction transaction ? transaction.cause(error) : error);
        } else {
          cancelAll(commands);
          throw new UnavailableException(
              "Redis failed for cache '" + cacheName + "': " + RedisLink.rootMessage(cause), cause);
        }
      } catch (TimeoutException e) {
        cancelAll(commands);
        String message =
            "Redis did not answer within " + link.commandTimeout().toMillis() + " ms for cache '"
                + cacheName + "'";
        // The cause says "timeout" to OutageCause, as Lettuce's own timer would.
        throw new UnavailableException(
            message, new io.lettuce.core.RedisCommandTimeoutException(message));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        cancelAll(commands);
        throw new UnavailableException("interrupted while waiting for Redis", e);
      }
    }
    return replies;
  }

  private static void cancelAll(List<AsyncCommand<byte[], byte[], ?>> commands) {
    for (AsyncCommand<byte[], byte[], ?> command : commands) {
      // Never a transaction's: Lettuce skips a cancelled command it has not written yet, and a
      // MULTI written without its EXEC would leave the connection inside a transaction.
      // Its reply completes it, or the connection's end does.
      if (!(command instanceof Transaction)) {
        command.cancel(false);
      }
    }
  }

  /**
   * Returns the shared connection. Before it first opens, calls fail without touching the breaker:
   * the link retries on its own schedule, and a breaker opened by a slow first connect would only
   * delay using Redis once it is there.
   */
  private StatefulConnection<byte[], byte[]> connectionOrFail() {
    StatefulConnection<byte[], byte[]> connection = link.connection();
    if (connection == null) {
      throw new UnavailableException(
          "not connected to Redis yet (connecting in the background)", null);
    }
    return connection;
  }

  // ---------------------------------------------------------------- replies

  private @Nullable CacheEntry<V> readReply(
      Object reply, long now, byte[] key, List<byte[]> toDelete) {
    if (reply instanceof RedisCommandExecutionException error) {
      String message = String.valueOf(error.getMessage());
      if (message.startsWith(BulkReplyGuard.ERROR_CODE + " ")) {
        tooLarge(-1);
      } else if (message.startsWith("WRONGTYPE ")) {
        corrupt("the key is not a hash");
      } else {
        throw error;
      }
      toDelete.add(key);
      return null;
    }
    if (!(reply instanceof List<?> parts) || parts.isEmpty() || !(parts.get(0) instanceof Long ttl)) {
      throw new IllegalStateException("unexpected reply to a read: " + reply);
    }
    if (parts.size() == 1 || ttl == -2) {
      return null;
    }
    Object body = parts.get(1);
    if (body instanceof byte[] marker) {
      String kind = new String(marker, StandardCharsets.US_ASCII);
      if (kind.equals("large")) {
        tooLarge(-1);
      } else {
        corrupt(kind.equals("type") ? "the key is not a hash" : "the key has no TTL");
      }
      toDelete.add(key);
      return null;
    }
    if (!(body instanceof List<?> hash)) {
      throw new IllegalStateException("unexpected reply to a read: " + reply);
    }
    if (ttl == -1) {
      corrupt("the key has no TTL");
      toDelete.add(key);
      return null;
    }
    try {
      return EntryFormat.decode(hash, ttl, now, settings.codec(), settings.maxValueBytes());
    } catch (EntryFormat.ForeignEntryException e) {
      // Another version of the service wrote it (rolling deploy): a miss, left in place.
      foreign(e.getMessage());
      return null;
    } catch (EntryFormat.ValueTooLargeException e) {
      tooLarge(e.length);
    } catch (EntryFormat.CorruptEntryException e) {
      corrupt(e.getMessage());
    } catch (CodecException e) {
      corrupt("the codec rejected the bytes: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      corrupt("inconsistent times: " + e.getMessage());
    }
    toDelete.add(key);
    return null;
  }

  /** Deletes unreadable entries; a failure here must not fail the read that found them. */
  private void deleteQuietly(List<byte[]> keys) {
    if (keys.isEmpty()) {
      return;
    }
    try {
      run(connectionOrFail(), keys.size(), (i, eval) -> Scripts.unlink(keys.get(i)));
    } catch (RuntimeException e) {
      LOG.debug("Could not delete unreadable entries of cache '{}'", cacheName, e);
    }
  }

  private void corrupt(String why) {
    observer.decodeError(NAME);
    if (loggedCorrupt.compareAndSet(false, true)) {
      LOG.warn(
          "Cache '{}' found an unreadable entry in Redis ({}); it is deleted and treated as a"
              + " miss (logged once; see the decode error count)",
          cacheName,
          why);
    }
  }

  private void foreign(String why) {
    if (loggedForeign.compareAndSet(false, true)) {
      LOG.info(
          "Cache '{}' found an entry in Redis that another version of the service wrote ({}); it"
              + " is a miss here and left in place, and a load here replaces it (logged once)",
          cacheName,
          why);
    }
  }

  private void tooLarge(int bytes) {
    observer.valueTooLarge(NAME);
    if (loggedTooLarge.compareAndSet(false, true)) {
      LOG.warn(
          "Cache '{}' skipped a value {} than maxValueBytes={} in Redis (logged once; see the"
              + " too-large count)",
          cacheName,
          bytes < 0 ? "larger" : "of " + bytes + " bytes, larger",
          settings.maxValueBytes());
    }
  }

  // ---------------------------------------------------------------- keys and breaker

  private byte[] redisKey(K key) {
    String mapped = settings.keys().toText(key);
    if (mapped.isEmpty()) {
      // The bare namespace is the key that announces invalidateAll to other instances.
      throw new IllegalArgumentException(
          "the KeyMapper of cache '" + cacheName + "' returned an empty text for key " + key
              + "; Redis keys need at least one character after the namespace");
    }
    byte[] text = mapped.getBytes(StandardCharsets.UTF_8);
    byte[] full = new byte[namespace.length + text.length];
    System.arraycopy(namespace, 0, full, 0, namespace.length);
    System.arraycopy(text, 0, full, namespace.length, text.length);
    return full;
  }

  /**
   * Returns the lease key of {@code redisKey}, {@code <prefix>:lease:{<redisKey>}}: cache names
   * hold no ':', so no tracked namespace ({@code <prefix><cache>:}) contains it, and the braces put
   * it in the entry's Cluster slot, so that one script sees both. Returns null on a Cluster for the
   * rare entry key whose own braces send it to another slot: that key gets no lease.
   */
  private byte @Nullable [] leaseKeyOf(byte[] redisKey) {
    byte[] lease = new byte[leaseSpace.length + redisKey.length + 1];
    System.arraycopy(leaseSpace, 0, lease, 0, leaseSpace.length);
    System.arraycopy(redisKey, 0, lease, leaseSpace.length, redisKey.length);
    lease[lease.length - 1] = '}';
    if (link.isCluster() && SlotHash.getSlot(lease) != SlotHash.getSlot(redisKey)) {
      return null;
    }
    return lease;
  }

  private static AsyncCommand<byte[], byte[], Long> unlinkWithLease(
      byte[] redisKey, byte @Nullable [] leaseKey) {
    return leaseKey == null ? Scripts.unlink(redisKey) : Scripts.unlink(redisKey, leaseKey);
  }

  /** Returns 128 random bits as hex: unique across instances without coordination. */
  private static String newToken() {
    byte[] bits = new byte[16];
    TOKENS.nextBytes(bits);
    return HexFormat.of().formatHex(bits);
  }

  /** Escapes glob characters so that SCAN MATCH takes the namespace literally. */
  static byte[] globEscape(byte[] literal) {
    StringBuilder pattern = new StringBuilder();
    for (char c : new String(literal, StandardCharsets.UTF_8).toCharArray()) {
      if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
        pattern.append('\\');
      }
      pattern.append(c);
    }
    return pattern.append('*').toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Logs an outage once: one WARN when the breaker opens from closed (naming the cause class), one
   * INFO with the outage's length when a probe closes it; failed probes log nothing.
   */
  private void breakerChanged(
      CircuitBreaker.State from, CircuitBreaker.State to, @Nullable Throwable failure) {
    if (to == CircuitBreaker.State.OPEN && failure != null) {
      outageCause = explain(failure);
    }
    observer.healthChanged(NAME, health());
    switch (to) {
      case OPEN -> {
        if (from == CircuitBreaker.State.CLOSED) {
          outageStartedNanos = System.nanoTime();
          LOG.warn(
              "Redis tier of cache '{}' is skipped: circuit breaker opened ({}); reads fall back"
                  + " to the other levels, and changes are kept to be replayed once a background"
                  + " probe succeeds",
              cacheName,
              outageCause);
        }
        probe.start();
      }
      case CLOSED -> {
        // The cache replays what this tier did not take; missed invalidations are the
        // tracking connection's business (its gap already suspended the levels above).
        context.invalidations().recovered();
        LOG.info(
            "Redis tier of cache '{}' works again after {} s",
            cacheName,
            String.format(
                java.util.Locale.ROOT,
                "%.1f",
                (System.nanoTime() - outageStartedNanos) / 1e9));
        outageCause = null;
      }
      case HALF_OPEN -> {}
    }
  }

  @Override
  public String toString() {
    return "RedisCacheTier{cache=" + cacheName + ", prefix=" + settings.prefix() + '}';
  }
}
