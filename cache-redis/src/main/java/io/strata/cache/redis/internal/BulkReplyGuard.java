package io.strata.cache.redis.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;
import java.util.function.IntSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Bounds what one reply element may make the client hold: a bulk string (RESP {@code $}, {@code !}
 * or {@code =}) longer than the limit is replaced, before Lettuce buffers it, by the error element
 * {@code -TOOLARGE ...}, and its bytes are dropped as they arrive. Every other byte passes through
 * unchanged, so aggregates keep their element counts and the connection stays in step.
 *
 * <p>Lettuce reads a bulk string only once all of it has arrived, so without this a value of any
 * size another writer put in Redis (up to the server's 512 MB) would be held in memory before a
 * size check could see it. In a reply of many elements (a hash's, a script's), the error element
 * fails only the command it belongs to: Lettuce completes that command with a {@code
 * RedisCommandExecutionException} whose message starts with {@link #ERROR_CODE}. In a
 * transaction's reply it is an element of the reply of the queued command it belongs to ({@link
 * Transaction}), so the other commands of the transaction are answered.
 *
 * <p>One instance per channel (it keeps the parse state of its stream); used on the channel's
 * event loop only. The parse is flat: aggregate headers and simple lines pass as lines, and only
 * bulk lengths are read, which is all it takes to find every bulk string in RESP2 and RESP3.
 */
final class BulkReplyGuard extends ChannelInboundHandlerAdapter {

  /** The error code of the element that stands for a bulk string over the limit. */
  static final String ERROR_CODE = "TOOLARGE";

  /** A bulk header ({@code $<length>\r\n}) longer than this is not a length Redis sends. */
  private static final int MAX_HEADER = 24;

  private enum State {
    /** At the first byte of an element. */
    TYPE,
    /** In a line that passes as it is (simple types, aggregate headers), up to its '\n'. */
    LINE,
    /** In a bulk header, after its type byte, up to its '\n'. */
    BULK_HEADER,
    /** In a bulk string's payload (and its CRLF) that passes. */
    BULK_PASS,
    /** In a bulk string's payload (and its CRLF) that is dropped. */
    BULK_DROP
  }

  private final IntSupplier limit;
  private State state = State.TYPE;
  /** The digits of the bulk header being read (its type byte is not included). */
  private final StringBuilder digits = new StringBuilder(MAX_HEADER);
  /** Where the bulk header being read starts in this read; -1 if it began in an earlier one. */
  private int headerStart;
  /** The start of a bulk header cut by the end of a read, held back until its length is known. */
  private byte @Nullable [] carry;
  private long remaining;

  /**
   * @param limit the longest bulk string passed on, in bytes; read at each bulk header, so it may
   *     grow while the channel is open
   */
  BulkReplyGuard(IntSupplier limit) {
    this.limit = limit;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf in)) {
      ctx.fireChannelRead(msg);
      return;
    }
    CompositeByteBuf out = null;
    int passFrom = in.readerIndex();
    int end = in.writerIndex();
    int i = passFrom;
    if (carry != null) {
      headerStart = -1;
    }
    while (i < end) {
      switch (state) {
        case TYPE -> {
          byte type = in.getByte(i);
          headerStart = i++;
          if (type == '$' || type == '!' || type == '=') {
            digits.setLength(0);
            state = State.BULK_HEADER;
          } else {
            state = State.LINE;
          }
        }
        case LINE -> {
          int newline = in.indexOf(i, end, (byte) '\n');
          if (newline < 0) {
            i = end;
          } else {
            i = newline + 1;
            state = State.TYPE;
          }
        }
        case BULK_HEADER -> {
          byte b = in.getByte(i++);
          if (b != '\n') {
            if (digits.length() < MAX_HEADER) {
              digits.append((char) b);
            }
            continue;
          }
          long length = parseLength();
          int max = limit.getAsInt();
          if (length <= max) {
            // Null ($-1) and anything that is not a length pass too: there is nothing to bound.
            if (carry != null) {
              out = out != null ? out : ctx.alloc().compositeBuffer();
              out.addComponent(true, Unpooled.wrappedBuffer(carry));
              carry = null;
            }
            remaining = length < 0 ? 0 : length + 2;
            state = remaining == 0 ? State.TYPE : State.BULK_PASS;
          } else {
            out = out != null ? out : ctx.alloc().compositeBuffer();
            // What came before this element passes, then the error element in its place.
            if (headerStart > passFrom) {
              out.addComponent(true, in.retainedSlice(passFrom, headerStart - passFrom));
            }
            carry = null;
            out.addComponent(true, errorElement(length, max));
            remaining = length + 2;
            state = State.BULK_DROP;
            passFrom = i;
          }
        }
        case BULK_PASS -> {
          int step = (int) Math.min(remaining, end - i);
          i += step;
          remaining -= step;
          if (remaining == 0) {
            state = State.TYPE;
          }
        }
        case BULK_DROP -> {
          int step = (int) Math.min(remaining, end - i);
          i += step;
          remaining -= step;
          passFrom = i;
          if (remaining == 0) {
            state = State.TYPE;
          }
        }
      }
    }
    int passTo = end;
    if (state == State.BULK_HEADER) {
      // A header cut by the end of this read: held back until its length is known, since the
      // element it starts may have to be replaced whole.
      int from = headerStart >= 0 ? headerStart : passFrom;
      byte[] rest = new byte[end - from];
      in.getBytes(from, rest);
      carry = carry == null ? rest : concat(carry, rest);
      passTo = from;
    }
    if (out == null && passFrom == in.readerIndex() && passTo == end) {
      ctx.fireChannelRead(in);
      return;
    }
    out = out != null ? out : ctx.alloc().compositeBuffer();
    if (passTo > passFrom) {
      out.addComponent(true, in.retainedSlice(passFrom, passTo - passFrom));
    }
    in.release();
    if (out.isReadable()) {
      ctx.fireChannelRead(out);
    } else {
      out.release();
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    carry = null;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = new byte[a.length + b.length];
    System.arraycopy(a, 0, both, 0, a.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }

  private long parseLength() {
    int n = digits.length();
    if (n > 0 && digits.charAt(n - 1) == '\r') {
      n--;
    }
    if (n == 0 || n > 18) {
      return -1;
    }
    long length = 0;
    for (int k = 0; k < n; k++) {
      char c = digits.charAt(k);
      if (c < '0' || c > '9') {
        return -1;
      }
      length = length * 10 + (c - '0');
    }
    return length;
  }

  private static ByteBuf errorElement(long length, int max) {
    String error =
        "-"
            + ERROR_CODE
            + " a reply of "
            + length
            + " bytes is over the limit of "
            + max
            + " bytes\r\n";
    return Unpooled.wrappedBuffer(error.getBytes(StandardCharsets.US_ASCII));
  }
}
