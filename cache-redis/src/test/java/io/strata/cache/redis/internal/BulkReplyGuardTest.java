package io.strata.cache.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The guard on its own, fed RESP in every way a socket may cut it. */
class BulkReplyGuardTest {

  private static final int LIMIT = 8;

  /** A transaction's reply: a TTL, then a hash of fields b (10 bytes), ct, v. */
  private static final String EXEC_REPLY =
      "*2\r\n:5000\r\n*6\r\n$1\r\nb\r\n$10\r\n0123456789\r\n$2\r\nct\r\n$4\r\njson\r\n"
          + "$1\r\nv\r\n$1\r\n1\r\n";

  private static final String EXEC_REPLY_GUARDED =
      "*2\r\n:5000\r\n*6\r\n$1\r\nb\r\n"
          + "-TOOLARGE a reply of 10 bytes is over the limit of 8 bytes\r\n"
          + "$2\r\nct\r\n$4\r\njson\r\n$1\r\nv\r\n$1\r\n1\r\n";

  /** Every RESP3 type, each element within the limit. */
  private static final String RESP3_WITHIN_LIMIT =
      "%2\r\n+OK\r\n:1\r\n$3\r\nabc\r\n_\r\n>3\r\n$5\r\ninval\r\n*1\r\n$4\r\nk:$1\r\n"
          + "=8\r\ntxt:abcd\r\n!3\r\nERR\r\n,1.5\r\n#t\r\n(12345678901234567890\r\n"
          + "~1\r\n$-1\r\n|1\r\n+key\r\n+val\r\n-ERR oops\r\n$0\r\n\r\n*-1\r\n";

  @Test
  void repliesWithinTheLimit_passByteForByte_howeverTheyAreCut() {
    for (List<Integer> cuts : cutsOf(RESP3_WITHIN_LIMIT.length())) {
      assertThat(feed(RESP3_WITHIN_LIMIT, cuts)).as("cut at %s", cuts).isEqualTo(RESP3_WITHIN_LIMIT);
    }
  }

  @Test
  void aBulkStringOverTheLimit_becomesOneErrorElement_howeverTheReplyIsCut() {
    for (List<Integer> cuts : cutsOf(EXEC_REPLY.length())) {
      assertThat(feed(EXEC_REPLY + EXEC_REPLY, cuts))
          .as("cut at %s", cuts)
          .isEqualTo(EXEC_REPLY_GUARDED + EXEC_REPLY_GUARDED);
    }
  }

  @Test
  void byteByByte_bulkTypesWithPayloadsThatLookLikeRespAreSkippedWhole() {
    // The payloads hold '\n' and '$' that a line-by-line reading would take for headers.
    String reply =
        bulk('$', "$3\r\nabc\r\n\n\r\n")
            + bulk('=', "txt:\r\n$99")
            + bulk('!', "\r\n$\r\n\r\n\r\n")
            + bulk('$', "ok\r\n$1")
            + "+OK\r\n";
    String guarded =
        "-TOOLARGE a reply of 12 bytes is over the limit of 8 bytes\r\n"
            + "-TOOLARGE a reply of 9 bytes is over the limit of 8 bytes\r\n"
            + "-TOOLARGE a reply of 9 bytes is over the limit of 8 bytes\r\n"
            + bulk('$', "ok\r\n$1")
            + "+OK\r\n";
    EmbeddedChannel channel = new EmbeddedChannel(new BulkReplyGuard(() -> LIMIT));
    for (byte b : reply.getBytes(StandardCharsets.US_ASCII)) {
      channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
    }
    assertThat(drain(channel)).isEqualTo(guarded);
  }

  @Test
  void theLimitIsReadAtEachHeader() {
    int[] limit = {LIMIT};
    EmbeddedChannel channel = new EmbeddedChannel(new BulkReplyGuard(() -> limit[0]));
    channel.writeInbound(bytes("$10\r\n0123456789\r\n"));
    limit[0] = 10;
    channel.writeInbound(bytes("$10\r\n0123456789\r\n"));

    assertThat(drain(channel))
        .isEqualTo(
            "-TOOLARGE a reply of 10 bytes is over the limit of 8 bytes\r\n$10\r\n0123456789\r\n");
  }

  @Test
  void aHugeDeclaredLength_isDroppedAsItStreams_notHeld() {
    EmbeddedChannel channel = new EmbeddedChannel(new BulkReplyGuard(() -> LIMIT));
    channel.writeInbound(bytes("$1000000\r\n"));
    byte[] chunk = new byte[10_000];
    for (int i = 0; i < 100; i++) {
      channel.writeInbound(Unpooled.wrappedBuffer(chunk));
    }
    channel.writeInbound(bytes("\r\n:7\r\n"));

    assertThat(drain(channel))
        .isEqualTo("-TOOLARGE a reply of 1000000 bytes is over the limit of 8 bytes\r\n:7\r\n");
  }

  /** Single and double cuts at every position of a string of {@code length} characters. */
  private static List<List<Integer>> cutsOf(int length) {
    java.util.ArrayList<List<Integer>> all = new java.util.ArrayList<>();
    all.add(List.of());
    for (int a = 1; a < length; a++) {
      all.add(List.of(a));
      for (int b = a + 1; b < length; b += 3) {
        all.add(List.of(a, b));
      }
    }
    return all;
  }

  private static String feed(String reply, List<Integer> cuts) {
    EmbeddedChannel channel = new EmbeddedChannel(new BulkReplyGuard(() -> LIMIT));
    byte[] all = reply.getBytes(StandardCharsets.US_ASCII);
    int from = 0;
    for (int cut : cuts) {
      channel.writeInbound(Unpooled.wrappedBuffer(all, from, cut - from));
      from = cut;
    }
    channel.writeInbound(Unpooled.wrappedBuffer(all, from, all.length - from));
    return drain(channel);
  }

  private static String drain(EmbeddedChannel channel) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuf read;
    while ((read = channel.readInbound()) != null) {
      byte[] bytes = new byte[read.readableBytes()];
      read.readBytes(bytes);
      read.release();
      out.writeBytes(bytes);
    }
    return out.toString(StandardCharsets.US_ASCII);
  }

  private static String bulk(char type, String payload) {
    return type + String.valueOf(payload.length()) + "\r\n" + payload + "\r\n";
  }

  private static ByteBuf bytes(String s) {
    return Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.US_ASCII));
  }
}
