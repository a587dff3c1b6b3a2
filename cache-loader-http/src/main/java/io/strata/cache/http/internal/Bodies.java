package io.strata.cache.http.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.jspecify.annotations.Nullable;

/** Reading bodies within a limit: while they stream in, and again while they are inflated. */
final class Bodies {

  private Bodies() {}

  /** The body went past the limit. */
  static final class TooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    TooLargeException(String message) {
      super(message);
    }
  }

  /** The response broke the protocol in a way that retrying will not fix. */
  static final class InvalidResponseException extends IOException {
    private static final long serialVersionUID = 1L;

    InvalidResponseException(String message, @Nullable Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Collects at most {@code limit} bytes. Past it, cancels the subscription (the client closes the
   * connection) and fails with {@link TooLargeException}, or, when {@code truncate}, completes with
   * nothing: the body of an error status is not worth reading.
   */
  static final class Bounded implements HttpResponse.BodySubscriber<byte[]> {
    private final int limit;
    private final boolean truncate;
    private final @Nullable IOException failure;
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private Flow.@Nullable Subscription subscription;
    private long received;

    private Bounded(int limit, boolean truncate, @Nullable IOException failure) {
      this.limit = limit;
      this.truncate = truncate;
      this.failure = failure;
    }

    static Bounded collecting(int limit) {
      return new Bounded(limit, false, null);
    }

    static Bounded discarding() {
      return new Bounded(0, true, null);
    }

    static Bounded failing(IOException failure) {
      return new Bounded(0, false, failure);
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      this.subscription = subscription;
      if (failure != null) {
        subscription.cancel();
        result.completeExceptionally(failure);
        return;
      }
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      if (result.isDone()) {
        return;
      }
      for (ByteBuffer item : items) {
        received += item.remaining();
        if (received > limit) {
          Flow.Subscription s = subscription;
          if (s != null) {
            s.cancel();
          }
          if (truncate) {
            result.complete(new byte[0]);
          } else {
            result.completeExceptionally(
                new TooLargeException("the body exceeds maxBodyBytes (" + limit + " bytes)"));
          }
          return;
        }
        byte[] chunk = new byte[item.remaining()];
        item.get(chunk);
        buffer.write(chunk, 0, chunk.length);
      }
    }

    @Override
    public void onError(Throwable throwable) {
      result.completeExceptionally(throwable);
    }

    @Override
    public void onComplete() {
      result.complete(truncate ? new byte[0] : buffer.toByteArray());
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return result;
    }
  }

  /** Inflates a gzip body, failing as soon as the output passes {@code limit}. */
  static byte[] gunzip(byte[] compressed, int limit) throws IOException {
    if (compressed.length == 0) {
      return compressed;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(limit, compressed.length * 4));
    byte[] chunk = new byte[8192];
    long total = 0;
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed), 8192)) {
      int n;
      while ((n = in.read(chunk)) > 0) {
        total += n;
        if (total > limit) {
          throw new TooLargeException(
              "the gzip body inflates past maxBodyBytes (" + limit + " bytes)");
        }
        out.write(chunk, 0, n);
      }
    } catch (ZipException | EOFException e) {
      throw new InvalidResponseException("the gzip body is corrupt or truncated", e);
    }
    return out.toByteArray();
  }
}
