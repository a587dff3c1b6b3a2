package io.strata.cache.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisCommandExecutionException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which entries of a transaction's reply were refused: the reply's shape follows the commands
 * (one DEL of the leases when any, then HSET and PEXPIRE per entry). The reply itself comes from
 * Redis in RedisDataPathIT.
 */
class TransactionalWriteTest {

  private static final RedisCommandExecutionException WRONGTYPE =
      new RedisCommandExecutionException(
          "WRONGTYPE Operation against a key holding the wrong kind of value");

  private static final TransactionalWrite.Write LEASED = write("a", true);
  private static final TransactionalWrite.Write PLAIN = write("b", false);

  @Test
  void noError_refusesNothing() {
    // DEL (of a's lease); a: HSET, PEXPIRE; b: HSET, PEXPIRE.
    List<Object> reply = List.of(1L, 1L, 1L, 0L, 1L);

    assertThat(TransactionalWrite.refused(List.of(LEASED, PLAIN), reply)).isEmpty();
  }

  @Test
  void aKeyOfAnotherType_isRefused_byItsOwnReplies() {
    List<Object> reply = List.of(1L, 1L, 1L, WRONGTYPE, 1L);

    assertThat(TransactionalWrite.refused(List.of(LEASED, PLAIN), reply)).containsExactly(PLAIN);
    assertThat(
            TransactionalWrite.refused(List.of(LEASED, PLAIN), List.of(1L, WRONGTYPE, 1L, 0L, 1L)))
        .containsExactly(LEASED);
  }

  @Test
  void withoutALease_thereIsNoDel() {
    TransactionalWrite.Write noLease = write("c", false);

    assertThat(TransactionalWrite.refused(List.of(noLease), List.of(WRONGTYPE, 1L)))
        .containsExactly(noLease);
  }

  @Test
  void anyOtherError_failsTheWrite() {
    RedisCommandExecutionException other = new RedisCommandExecutionException("ERR something");

    assertThatThrownBy(() -> TransactionalWrite.refused(List.of(PLAIN), List.of(other, 1L)))
        .isSameAs(other);
    assertThatThrownBy(() -> TransactionalWrite.refused(List.of(LEASED), List.of(other, 1L, 1L)))
        .as("the DEL of the leases")
        .isSameAs(other);
  }

  @Test
  void aReplyOfAnotherLength_isAnError() {
    assertThatThrownBy(() -> TransactionalWrite.refused(List.of(PLAIN), List.of(1L)))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> TransactionalWrite.refused(List.of(PLAIN), List.of(1L, 1L, 1L)))
        .isInstanceOf(IllegalStateException.class);
  }

  private static TransactionalWrite.Write write(String key, boolean leased) {
    EntryFormat.Encoded entry = new EntryFormat.Encoded(60_000, List.of(bytes("b"), bytes("v")));
    return new TransactionalWrite.Write(bytes(key), leased ? bytes("lease:" + key) : null, entry);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
