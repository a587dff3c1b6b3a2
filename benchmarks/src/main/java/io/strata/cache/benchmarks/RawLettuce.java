package io.strata.cache.benchmarks;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.output.MapOutput;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.RedisCommand;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The baseline an expert would write with Lettuce alone, on the hashes Strata writes: reads as
 * HGETALL+PTTL, writes as HSET+PEXPIRE, each group dispatched with one flush on one shared
 * connection. Thread-safe.
 */
public final class RawLettuce implements AutoCloseable {

  /** Field names and values as in Strata's field layout, so both write the same data. */
  static final RedisCodec<String, byte[]> CODEC =
      RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

  private final RedisClient client;
  private final StatefulRedisConnection<String, byte[]> connection;

  public RawLettuce(String uri) {
    client = RedisClient.create(uri);
    connection = client.connect(CODEC);
  }

  /** A connection of its own, for what must not share one (MULTI/EXEC, auto-flush off). */
  public StatefulRedisConnection<String, byte[]> newConnection() {
    return client.connect(CODEC);
  }

  /** Reads the value field and the remaining TTL of each key, one round trip for all. */
  public byte[][] read(String... keys) {
    List<AsyncCommand<String, byte[], ?>> commands = new ArrayList<>(keys.length * 2);
    for (String key : keys) {
      commands.add(
          new AsyncCommand<>(
              new Command<>(
                  CommandType.HGETALL,
                  new MapOutput<>(CODEC),
                  new CommandArgs<>(CODEC).addKey(key))));
      commands.add(
          new AsyncCommand<>(
              new Command<>(
                  CommandType.PTTL, new IntegerOutput<>(CODEC), new CommandArgs<>(CODEC).addKey(key))));
    }
    dispatch(commands);
    byte[][] values = new byte[keys.length][];
    for (int i = 0; i < keys.length; i++) {
      @SuppressWarnings("unchecked")
      Map<String, byte[]> fields = (Map<String, byte[]>) await(commands.get(2 * i));
      long ttl = (Long) await(commands.get(2 * i + 1));
      values[i] = ttl > 0 ? fields.get("b") : null;
    }
    return values;
  }

  /** Reads the value field of one key with one HGETALL and no TTL: the floor of any hash read. */
  public byte[] readFieldsOnly(String key) {
    AsyncCommand<String, byte[], ?> command =
        new AsyncCommand<>(
            new Command<>(
                CommandType.HGETALL, new MapOutput<>(CODEC), new CommandArgs<>(CODEC).addKey(key)));
    dispatch(List.of(command));
    @SuppressWarnings("unchecked")
    Map<String, byte[]> fields = (Map<String, byte[]>) await(command);
    return fields.get("b");
  }

  /**
   * Reads the value field and the remaining TTL of one key as MULTI PTTL HGETALL EXEC, with
   * Lettuce's own transactions on {@code connection}, which must be this thread's alone and not
   * flush by itself.
   */
  static byte[] readInTransaction(StatefulRedisConnection<String, byte[]> connection, String key) {
    RedisAsyncCommands<String, byte[]> async = connection.async();
    async.multi();
    async.pttl(key);
    async.hgetall(key);
    RedisFuture<TransactionResult> exec = async.exec();
    connection.flushCommands();
    TransactionResult result;
    try {
      result = exec.get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("Redis failed in a baseline: " + e, e);
    }
    long ttl = result.get(0);
    Map<String, byte[]> fields = result.get(1);
    return ttl > 0 ? fields.get("b") : null;
  }

  /** Writes each hash with HSET then PEXPIRE, all in one flush, without atomicity. */
  public void write(Map<String, byte[]> values, long ttlMillis) {
    List<AsyncCommand<String, byte[], ?>> commands = new ArrayList<>(values.size() * 2);
    for (Map.Entry<String, byte[]> entry : values.entrySet()) {
      commands.add(hset(entry.getKey(), entry.getValue()));
      commands.add(pexpire(entry.getKey(), ttlMillis));
    }
    dispatch(commands);
    for (AsyncCommand<String, byte[], ?> command : commands) {
      await(command);
    }
  }

  /**
   * The fields Strata writes for a plain entry (format version 2: version, codec, bytes, the
   * packed times and load time, a write id of the same length).
   */
  static Map<String, byte[]> fields(byte[] value) {
    Map<String, byte[]> fields = new LinkedHashMap<>();
    fields.put("v", Bench.utf8("2"));
    fields.put("ct", Bench.utf8("bytes"));
    fields.put("b", value);
    fields.put("m", Bench.utf8("0:0:0:0:600000:0:0:-:-:-"));
    fields.put("id", Bench.utf8("5deece66d2a1f3b4.1a2b3c"));
    return fields;
  }

  static AsyncCommand<String, byte[], ?> hset(String key, byte[] value) {
    CommandArgs<String, byte[]> args = new CommandArgs<>(CODEC).addKey(key).add(fields(value));
    return new AsyncCommand<>(new Command<>(CommandType.HSET, new IntegerOutput<>(CODEC), args));
  }

  static AsyncCommand<String, byte[], ?> pexpire(String key, long ttlMillis) {
    CommandArgs<String, byte[]> args = new CommandArgs<>(CODEC).addKey(key).add(ttlMillis);
    return new AsyncCommand<>(
        new Command<>(CommandType.PEXPIRE, new io.lettuce.core.output.BooleanOutput<>(CODEC), args));
  }

  static AsyncCommand<String, byte[], ?> status(CommandType type) {
    return new AsyncCommand<>(new Command<>(type, new StatusOutput<>(CODEC)));
  }

  private void dispatch(List<AsyncCommand<String, byte[], ?>> commands) {
    connection.dispatch(new ArrayList<RedisCommand<String, byte[], ?>>(commands));
  }

  static Object await(AsyncCommand<String, byte[], ?> command) {
    try {
      return command.get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("Redis failed in a baseline: " + e, e);
    }
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown();
  }
}
