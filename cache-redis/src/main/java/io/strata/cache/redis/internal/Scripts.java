package io.strata.cache.redis.internal;

import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.CommandOutput;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The Lua scripts of load leases, and of the data path where a transaction cannot do (a load's
 * store, and every read and write on a Cluster; see {@link Transaction}), sent as EVALSHA (EVAL
 * when the server does not know them yet). A script runs atomically and is one command: a write is one round trip that
 * cannot leave a key without a TTL, a read sees the fields and the TTL of the same instant, and a
 * load's store checks its lease and writes in one step.
 */
final class Scripts {

  /**
   * KEYS[1] = entry key, ARGV[1] = max value bytes. Returns {pttl} when absent, {pttl, "type"} for
   * a key that is not a hash, {pttl, "nottl"} for a hash without a TTL, {pttl, "large"} when the
   * value field is over the limit (it is never transferred), else {pttl, {field, value, ...}}. A
   * failing HSTRLEN tells the type: every call inside a script costs the server, so no TYPE call.
   */
  static final String READ =
      """
      local ttl = redis.call('PTTL', KEYS[1])
      if ttl == -2 then return {ttl} end
      local size = redis.pcall('HSTRLEN', KEYS[1], 'b')
      if type(size) == 'table' then return {ttl, 'type'} end
      if ttl == -1 then return {ttl, 'nottl'} end
      if size > tonumber(ARGV[1]) then return {ttl, 'large'} end
      return {ttl, redis.call('HGETALL', KEYS[1])}
      """;

  /**
   * KEYS[1] = entry key, KEYS[2] (optional) = its lease key, ARGV[1] = TTL in ms, then field,
   * value pairs: every field of the format, so that whatever a previous entry of it held is
   * replaced. Writes the fields (a value of another type is deleted whole first; any other error
   * is the script's, with the entry untouched) and sets the TTL. Not DEL first: freeing and
   * rebuilding the hash made every write a third slower on the server. Deleting the lease refuses
   * the stores of loads under way: they may have read the source before this value was written.
   */
  static final String WRITE =
      """
      if KEYS[2] then redis.call('DEL', KEYS[2]) end
      local set = redis.pcall('HSET', KEYS[1], unpack(ARGV, 2))
      if type(set) == 'table' then
        if not string.find(set.err, 'WRONGTYPE', 1, true) then return set end
        redis.call('DEL', KEYS[1])
        redis.call('HSET', KEYS[1], unpack(ARGV, 2))
      end
      redis.call('PEXPIRE', KEYS[1], ARGV[1])
      return 1
      """;

  /**
   * A load's store: KEYS[1] = entry key, KEYS[2] = its lease key, ARGV[1] = the lease token, then
   * the arguments of {@link #WRITE}. Runs WRITE (which ends the lease) only while the lease still
   * holds that token; returns 0 (writing nothing) when any change of the key since the
   * lease was taken removed it, or when it expired.
   */
  static final String FILL =
      """
      if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
      table.remove(ARGV, 1)
      """
          + WRITE;

  /**
   * KEYS[1] = lease key, KEYS[2] = the entry's key (for a load only), ARGV[1] = a new token,
   * ARGV[2] = the lease's life in ms. Returns {2} when a load's entry key exists (stored since the
   * load's read, or the expired entry it renews: the caller reads it and decides), {1} when this
   * caller took the lease, else {0, token of the holder}. One script, so that the holder read is
   * the one that refused the SET, and no put can slip between the check and the lease.
   */
  static final String LEASE =
      """
      if #KEYS == 2 and redis.call('EXISTS', KEYS[2]) == 1 then return {2} end
      if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1} end
      return {0, redis.call('GET', KEYS[1])}
      """;

  /**
   * KEYS[1] = lease key, ARGV[1] = token. Ends the lease if it still holds the token (never one
   * another load took since it expired); returns 1 if it did, else 0.
   */
  static final String RELEASE =
      """
      if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
      return 0
      """;

  static final String TOUCH =
      "redis.call('set', KEYS[1], '1') redis.call('del', KEYS[1]) return 1";

  private static final String READ_SHA = sha1(READ);
  private static final String WRITE_SHA = sha1(WRITE);
  private static final String FILL_SHA = sha1(FILL);
  private static final String LEASE_SHA = sha1(LEASE);
  private static final String RELEASE_SHA = sha1(RELEASE);

  private Scripts() {}

  static AsyncCommand<byte[], byte[], List<Object>> read(byte[] key, int maxValueBytes, boolean eval) {
    CommandArgs<byte[], byte[]> args = scriptArgs(eval, READ, READ_SHA, key);
    args.add(maxValueBytes);
    return command(eval, new NestedMultiOutput<>(ByteArrayCodec.INSTANCE), args);
  }

  /**
   * Takes the lease at {@code leaseKey} for {@code token}, unless {@code entryKey} (a load's, null
   * for a refresh) exists; see {@link #LEASE}.
   */
  static AsyncCommand<byte[], byte[], List<Object>> lease(
      byte[] leaseKey, byte @Nullable [] entryKey, String token, long ttlMillis, boolean eval) {
    CommandArgs<byte[], byte[]> args =
        entryKey == null
            ? scriptArgs(eval, LEASE, LEASE_SHA, leaseKey)
            : scriptArgs(eval, LEASE, LEASE_SHA, leaseKey, entryKey);
    args.add(token);
    args.add(ttlMillis);
    return command(eval, new NestedMultiOutput<>(ByteArrayCodec.INSTANCE), args);
  }

  /** Ends the lease at {@code leaseKey} if {@code token} still holds it; see {@link #RELEASE}. */
  static AsyncCommand<byte[], byte[], Long> release(byte[] leaseKey, String token, boolean eval) {
    CommandArgs<byte[], byte[]> args = scriptArgs(eval, RELEASE, RELEASE_SHA, leaseKey);
    args.add(token);
    return command(eval, new IntegerOutput<>(ByteArrayCodec.INSTANCE), args);
  }

  /** Stores {@code entry} under the lease {@code token}; see {@link #FILL}. */
  static AsyncCommand<byte[], byte[], Long> fill(
      byte[] key, byte[] leaseKey, String token, EntryFormat.Encoded entry, boolean eval) {
    CommandArgs<byte[], byte[]> args = scriptArgs(eval, FILL, FILL_SHA, key, leaseKey);
    args.add(token);
    addWriteArgs(args, entry);
    return command(eval, new IntegerOutput<>(ByteArrayCodec.INSTANCE), args);
  }

  /**
   * Writes {@code entry}; a non-null {@code leaseKey} (in the entry's slot) is deleted in the same
   * step, so that loads under way cannot store over this write.
   */
  static AsyncCommand<byte[], byte[], Long> write(
      byte[] key, byte @Nullable [] leaseKey, EntryFormat.Encoded entry, boolean eval) {
    CommandArgs<byte[], byte[]> args =
        leaseKey == null
            ? scriptArgs(eval, WRITE, WRITE_SHA, key)
            : scriptArgs(eval, WRITE, WRITE_SHA, key, leaseKey);
    addWriteArgs(args, entry);
    return command(eval, new IntegerOutput<>(ByteArrayCodec.INSTANCE), args);
  }

  private static void addWriteArgs(CommandArgs<byte[], byte[]> args, EntryFormat.Encoded entry) {
    args.add(entry.ttlMillis());
    for (byte[] field : entry.fields()) {
      args.add(field);
    }
  }

  /** {@code UNLINK} of {@code keys}, which must share one slot on a cluster. */
  static AsyncCommand<byte[], byte[], Long> unlink(byte[]... keys) {
    CommandArgs<byte[], byte[]> args = new CommandArgs<>(ByteArrayCodec.INSTANCE);
    for (byte[] key : keys) {
      args.addKey(key);
    }
    return new AsyncCommand<>(
        new Command<>(CommandType.UNLINK, new IntegerOutput<>(ByteArrayCodec.INSTANCE), args));
  }

  /**
   * Writes {@code key} and deletes it in one script, for the one invalidation every tracker hears:
   * Redis sends a key modified twice in one command once, and a key that no longer exists never
   * expires into a second push (a key written with a TTL did, a minute later).
   */
  static AsyncCommand<byte[], byte[], Long> touch(byte[] key) {
    // EVAL, not EVALSHA: invalidateAll is rare, and this saves the NOSCRIPT round trip.
    return command(
        true, new IntegerOutput<>(ByteArrayCodec.INSTANCE), scriptArgs(true, TOUCH, "", key));
  }

  /** Returns whether {@code error} says the server does not have the script cached. */
  static boolean isNoScript(Throwable error) {
    return error.getMessage() != null && error.getMessage().startsWith("NOSCRIPT");
  }

  private static CommandArgs<byte[], byte[]> scriptArgs(
      boolean eval, String script, String sha, byte[]... keys) {
    // numkeys before the keys: cluster routing takes the slot from the first key argument.
    CommandArgs<byte[], byte[]> args =
        new CommandArgs<>(ByteArrayCodec.INSTANCE).add(eval ? script : sha).add(keys.length);
    for (byte[] key : keys) {
      args.addKey(key);
    }
    return args;
  }

  private static <T> AsyncCommand<byte[], byte[], T> command(
      boolean eval, CommandOutput<byte[], byte[], T> output, CommandArgs<byte[], byte[]> args) {
    return new AsyncCommand<>(
        new Command<>(eval ? CommandType.EVAL : CommandType.EVALSHA, output, args));
  }

  private static String sha1(String script) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-1", e);
    }
  }
}
