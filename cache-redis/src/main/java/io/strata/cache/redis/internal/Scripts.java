package io.strata.cache.redis.internal;

import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.CommandOutput;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The two Lua scripts of the data path, sent as EVALSHA (EVAL when the server does not know them
 * yet). A script runs atomically and is one command: a write is one round trip that cannot leave a
 * key without a TTL, and a read sees the fields and the TTL of the same instant.
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
   * KEYS[1] = entry key, ARGV[1] = TTL in ms, ARGV[2] = n, ARGV[3..2+n] = the optional fields this
   * entry lacks, then field, value pairs. Removes what a previous entry left of those fields (a
   * value of another type is deleted whole), writes the fields and sets the TTL. Not DEL first:
   * freeing and rebuilding the hash made every write a third slower on the server.
   */
  static final String WRITE =
      """
      local n = tonumber(ARGV[2])
      if type(redis.pcall('HDEL', KEYS[1], unpack(ARGV, 3, 2 + n))) == 'table' then
        redis.call('DEL', KEYS[1])
      end
      redis.call('HSET', KEYS[1], unpack(ARGV, 3 + n))
      redis.call('PEXPIRE', KEYS[1], ARGV[1])
      return 1
      """;

  static final String TOUCH =
      "redis.call('set', KEYS[1], '1') redis.call('del', KEYS[1]) return 1";

  private static final String READ_SHA = sha1(READ);
  private static final String WRITE_SHA = sha1(WRITE);

  private Scripts() {}

  static AsyncCommand<byte[], byte[], List<Object>> read(byte[] key, int maxValueBytes, boolean eval) {
    CommandArgs<byte[], byte[]> args = scriptArgs(eval, READ, READ_SHA, key);
    args.add(maxValueBytes);
    return command(eval, new NestedMultiOutput<>(ByteArrayCodec.INSTANCE), args);
  }

  /** {@code SET key token NX PX ttl}: answers "OK" to the one caller that takes the lease. */
  static AsyncCommand<byte[], byte[], String> takeLease(byte[] key, String token, long ttlMillis) {
    CommandArgs<byte[], byte[]> args =
        new CommandArgs<>(ByteArrayCodec.INSTANCE)
            .addKey(key)
            .add(token)
            .add("NX")
            .add("PX")
            .add(ttlMillis);
    return new AsyncCommand<>(
        new Command<>(CommandType.SET, new StatusOutput<>(ByteArrayCodec.INSTANCE), args));
  }

  static AsyncCommand<byte[], byte[], Long> write(
      byte[] key, EntryFormat.Encoded entry, boolean eval) {
    CommandArgs<byte[], byte[]> args = scriptArgs(eval, WRITE, WRITE_SHA, key);
    args.add(entry.ttlMillis());
    args.add(entry.absent().size());
    for (byte[] name : entry.absent()) {
      args.add(name);
    }
    for (byte[] field : entry.fields()) {
      args.add(field);
    }
    return command(eval, new IntegerOutput<>(ByteArrayCodec.INSTANCE), args);
  }

  static AsyncCommand<byte[], byte[], Long> unlink(byte[] key) {
    CommandArgs<byte[], byte[]> args = new CommandArgs<>(ByteArrayCodec.INSTANCE).addKey(key);
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
      boolean eval, String script, String sha, byte[] key) {
    // numkeys before the key: cluster routing takes the slot from the first key argument.
    return new CommandArgs<>(ByteArrayCodec.INSTANCE)
        .add(eval ? script : sha)
        .add(1)
        .addKey(key);
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
