package io.strata.cache.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisCommandExecutionException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which entries of a transaction's reply were refused: the reply's shape follows the commands
 * (one DEL of the leases when any, then HDEL only for an entry that lacks optional fields, HSET,
 * PEXPIRE). The reply itself comes from Redis in RedisDataPathIT.
 */
class TransactionalWriteTest {

  private static final RedisCommandExecutionException WRONGTYPE =
      new RedisCommandExecutionException(
          "WRONGTYPE Operation against a key holding the wrong kind of value");

  private static final TransactionalWrite.Write LACKING =
      write("a", true, List.of(bytes("mt")));
  private static final TransactionalWrite.Write WHOLE = write("b", false, List.of());

  @Test
  void noError_refusesNothing() {
    // DEL (of a's lease); a: HDEL, HSET, PEXPIRE; b: HSET, PEXPIRE.
    List<Object> reply = List.of(1L, 0L, 1L, 1L, 0L, 1L);

    assertThat(TransactionalWrite.refused(List.of(LACKING, WHOLE), reply)).isEmpty();
  }

  @Test
  void aKeyOfAnotherType_isRefused_byItsOwnReplies() {
    List<Object> reply = List.of(1L, 0L, 1L, 1L, WRONGTYPE, 1L);

    assertThat(TransactionalWrite.refused(List.of(LACKING, WHOLE), reply)).containsExactly(WHOLE);
    assertThat(
            TransactionalWrite.refused(
                List.of(LACKING, WHOLE), List.of(1L, WRONGTYPE, WRONGTYPE, 1L, 0L, 1L)))
        .containsExactly(LACKING);
  }

  @Test
  void withoutALease_thereIsNoDel() {
    TransactionalWrite.Write noLease = write("c", false, List.of(bytes("mt")));

    assertThat(TransactionalWrite.refused(List.of(noLease), List.of(WRONGTYPE, WRONGTYPE, 1L)))
        .containsExactly(noLease);
  }

  @Test
  void anyOtherError_failsTheWrite() {
    RedisCommandExecutionException other = new RedisCommandExecutionException("ERR something");

    assertThatThrownBy(
            () -> TransactionalWrite.refused(List.of(WHOLE), List.of(other, 1L)))
        .isSameAs(other);
    assertThatThrownBy(
            () -> TransactionalWrite.refused(List.of(LACKING), List.of(other, 0L, 1L, 1L)))
        .as("the DEL of the leases")
        .isSameAs(other);
  }

  @Test
  void aReplyOfAnotherLength_isAnError() {
    assertThatThrownBy(() -> TransactionalWrite.refused(List.of(WHOLE), List.of(1L)))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(
            () -> TransactionalWrite.refused(List.of(WHOLE), List.of(1L, 1L, 1L, 1L)))
        .isInstanceOf(IllegalStateException.class);
  }

  private static TransactionalWrite.Write write(String key, boolean leased, List<byte[]> absent) {
    EntryFormat.Encoded entry = new EntryFormat.Encoded(60_000, absent, List.of(bytes("b"), bytes("v")));
    return new TransactionalWrite.Write(bytes(key), leased ? bytes("lease:" + key) : null, entry);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
