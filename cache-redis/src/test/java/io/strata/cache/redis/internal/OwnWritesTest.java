package io.strata.cache.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OwnWritesTest {

  private static final byte[] KEY = "strata:c:k".getBytes(StandardCharsets.UTF_8);

  @Test
  void aPushForAKeyWrittenOnce_isCheckedAgainstThatWritesId_once() {
    OwnWrites writes = new OwnWrites(10);
    byte[] id = OwnWrites.newId();
    writes.expect(KEY, id);

    byte[] expected = writes.take(KEY);

    assertThat(expected).isSameAs(id);
    assertThat(OwnWrites.stillOwn(expected, id.clone())).isTrue();
    assertThat(OwnWrites.stillOwn(expected, OwnWrites.newId())).isFalse();
    assertThat(OwnWrites.stillOwn(expected, null)).as("the key is gone").isFalse();
    assertThat(writes.take(KEY)).as("a second push is delivered").isNull();
  }

  @Test
  void twoWritesOfOneKeyInFlight_makeItContended_andNoIdMatchesThat() {
    OwnWrites writes = new OwnWrites(10);
    byte[] first = OwnWrites.newId();
    byte[] second = OwnWrites.newId();
    writes.expect(KEY, first);
    writes.expect(KEY, second);

    byte[] expected = writes.take(KEY);

    assertThat(expected).isSameAs(OwnWrites.CONTENDED);
    assertThat(OwnWrites.stillOwn(expected, second)).isFalse();
    assertThat(OwnWrites.stillOwn(expected, new byte[0])).isFalse();
  }

  @Test
  void aRefusedWriteIsForgotten_butOnlyThatWrite() {
    OwnWrites writes = new OwnWrites(10);
    byte[] refused = OwnWrites.newId();
    writes.expect(KEY, refused);
    writes.forget(KEY, OwnWrites.newId());
    assertThat(writes.size()).isEqualTo(1);

    writes.forget(KEY, refused);

    assertThat(writes.take(KEY)).isNull();
  }

  @Test
  void pastItsCapacity_everythingIsForgotten_soPushesAreDelivered() {
    OwnWrites writes = new OwnWrites(2);
    writes.expect("a".getBytes(StandardCharsets.UTF_8), OwnWrites.newId());
    writes.expect("b".getBytes(StandardCharsets.UTF_8), OwnWrites.newId());

    writes.expect(KEY, OwnWrites.newId());

    assertThat(writes.size()).isEqualTo(1);
    assertThat(writes.take("a".getBytes(StandardCharsets.UTF_8))).isNull();
    assertThat(writes.take(KEY)).isNotNull();
  }

  @Test
  void idsAreDistinct() {
    assertThat(OwnWrites.newId()).isNotEqualTo(OwnWrites.newId());
  }
}
