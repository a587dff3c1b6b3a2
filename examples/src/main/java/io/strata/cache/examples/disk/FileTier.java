package io.strata.cache.examples.disk;

import io.strata.cache.CacheEntry;
import io.strata.cache.CacheTier;
import io.strata.cache.TierContext;
import io.strata.cache.TierFactory;
import io.strata.cache.codec.Codec;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A cache tier on the file system: one file per entry, under {@code <dir>/<cache name>/}, named
 * by the SHA-256 of the key. It is an "L3 below Redis": slower than Redis, but it keeps
 * entries across restarts of the process and of Redis, and costs nothing to run.
 *
 * <p>This is an example of the {@link CacheTier} SPI, not a production store: it passes the tier
 * compatibility kit ({@code FileTierCompatibilityTest}) and shows what a tier must do.
 *
 * <ul>
 *   <li><b>Entries, not values.</b> The file holds the codec's bytes and every deadline of the
 *       {@link CacheEntry}, so a promoted entry keeps its remaining lifetime, never more.
 *   <li><b>Time.</b> Deadlines are stored as wall-clock instants, so they survive a restart. The
 *       wall clock is read once, when the tier is created, and then advanced with the cache's
 *       {@link io.strata.cache.Ticker} (the only clock a tier may read): the tier follows the
 *       ticker, tests included.
 *   <li><b>Expiry.</b> An entry past its {@link CacheEntry#retainUntil()} is never returned; its
 *       file is deleted when read, and by {@link #purgeExpired()} (run once at creation).
 *   <li><b>Atomic writes.</b> A file is written under a temporary name and moved into place, so a
 *       reader sees the old entry or the new one, never half of one.
 *   <li><b>Untrusted bytes.</b> A file that cannot be read back (truncated, another format, bytes
 *       the codec rejects, another key hashed to the same name) is a miss; it is deleted and
 *       reported as a decode error.
 *   <li><b>Failures.</b> An I/O error is thrown as {@link UncheckedIOException}; the cache treats
 *       it as a miss or a dropped write and never shows it to its caller.
 * </ul>
 *
 * <p>Thread-safe: files are written whole and moved atomically.
 *
 * @param <V> the type of value
 */
public final class FileTier<V> implements CacheTier<String, V> {

  /** The tier's default name, what {@code lookup} reports: {@value}. */
  public static final String DEFAULT_NAME = "disk";

  private static final int MAGIC = 0x53_54_52_46; // "STRF"
  private static final byte VERSION = 2;
  private static final String SUFFIX = ".entry";

  private final String name;
  private final Path dir;
  private final Codec<V> codec;
  private final TierContext<String> context;
  private final long wallAnchorNanos;
  private final long tickerAnchor;

  private FileTier(String name, Path root, Codec<V> codec, Clock clock, TierContext<String> context) {
    this.name = name;
    this.codec = codec;
    this.context = context;
    this.dir = root.resolve(context.cacheName());
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the directory of file tier " + dir, e);
    }
    this.tickerAnchor = context.ticker().read();
    this.wallAnchorNanos = Math.multiplyExact(clock.millis(), 1_000_000L);
    purgeExpired();
  }

  /**
   * Returns a factory of tiers named {@value #DEFAULT_NAME} storing {@code codec}'s bytes below
   * {@code dir}, one subdirectory per cache.
   */
  public static <V> TierFactory<String, V> factory(Path dir, Codec<V> codec) {
    return factory(DEFAULT_NAME, dir, codec, Clock.systemUTC());
  }

  /** Returns a factory as {@link #factory(Path, Codec)} does, with a name and a wall clock. */
  public static <V> TierFactory<String, V> factory(
      String name, Path dir, Codec<V> codec, Clock clock) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(clock, "clock");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank");
    }
    return context -> new FileTier<>(name, dir, codec, clock, context);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public @Nullable CacheEntry<V> get(String key) {
    Objects.requireNonNull(key, "key");
    Path file = fileOf(key);
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    CacheEntry<V> entry;
    try {
      entry = decode(key, bytes);
    } catch (IOException | RuntimeException e) { // CodecException included
      delete(file);
      context.observer().decodeError(name);
      return null;
    }
    if (entry == null || entry.retainUntil() - context.ticker().read() <= 0) {
      delete(file); // expired (or another key with the same hash): a cache may forget
      return null;
    }
    return entry;
  }

  @Override
  public void put(String key, CacheEntry<V> entry) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(entry, "entry");
    if (entry.retainUntil() - context.ticker().read() <= 0) {
      invalidate(key);
      return;
    }
    byte[] bytes = encode(key, entry);
    Path file = fileOf(key);
    try {
      Path temp = Files.createTempFile(dir, "put-", ".part");
      try {
        Files.write(temp, bytes);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(temp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  @Override
  public void invalidate(String key) {
    Objects.requireNonNull(key, "key");
    delete(fileOf(key));
  }

  @Override
  public void invalidateAll() {
    forEachEntryFile(this::delete);
  }

  @Override
  public long estimatedSize() {
    long[] count = {0};
    forEachEntryFile(file -> count[0]++);
    return count[0];
  }

  /** Deletes the files of entries past their retention. Returns how many it deleted. */
  public int purgeExpired() {
    long now = context.ticker().read();
    int[] purged = {0};
    forEachEntryFile(
        file -> {
          try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            if (in.readInt() != MAGIC || in.readByte() != VERSION) {
              throw new IOException("not an entry file");
            }
            skipString(in);
            if (toTicker(in.readLong()) - now <= 0) {
              delete(file);
              purged[0]++;
            }
          } catch (NoSuchFileException e) {
            // gone meanwhile
          } catch (IOException e) {
            delete(file);
            purged[0]++;
          }
        });
    return purged[0];
  }

  @Override
  public String toString() {
    return "FileTier{name=" + name + ", dir=" + dir + '}';
  }

  // ---------------------------------------------------------------- format

  // int magic, byte version, key, long retainUntil, long createdAt, long expiresAt,
  // long staleWhileRevalidateUntil, long staleIfErrorUntil, long revalidateUntil (all wall-clock
  // nanos), long loadNanos,
  // three optional strings (content type, ETag, Last-Modified), then -1 (negative entry) or the
  // length and the codec's bytes. Strings are an int length (-1 for null) and UTF-8.

  private byte[] encode(String key, CacheEntry<V> entry) {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream(256);
    try (DataOutputStream out = new DataOutputStream(buffer)) {
      out.writeInt(MAGIC);
      out.writeByte(VERSION);
      writeString(out, key);
      out.writeLong(toWall(entry.retainUntil()));
      out.writeLong(toWall(entry.createdAt()));
      out.writeLong(toWall(entry.expiresAt()));
      out.writeLong(toWall(entry.staleWhileRevalidateUntil()));
      out.writeLong(toWall(entry.staleIfErrorUntil()));
      out.writeLong(toWall(entry.revalidateUntil()));
      out.writeLong(entry.loadNanos());
      writeString(out, entry.contentType());
      writeString(out, entry.etag());
      writeString(out, entry.lastModified());
      V value = entry.value();
      if (value == null) {
        out.writeInt(-1);
      } else {
        byte[] bytes = codec.encode(value);
        out.writeInt(bytes.length);
        out.write(bytes);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return buffer.toByteArray();
  }

  private @Nullable CacheEntry<V> decode(String key, byte[] bytes) throws IOException {
    DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes));
    if (in.readInt() != MAGIC) {
      throw new IOException("not an entry file");
    }
    if (in.readByte() != VERSION) {
      throw new IOException("unknown entry version");
    }
    if (!key.equals(readString(in, bytes.length))) {
      return null;
    }
    in.readLong(); // retainUntil: rebuilt from the deadlines below
    long createdAt = toTicker(in.readLong());
    long expiresAt = toTicker(in.readLong());
    long swrUntil = toTicker(in.readLong());
    long sieUntil = toTicker(in.readLong());
    long revalidateUntil = toTicker(in.readLong());
    long loadNanos = in.readLong();
    String contentType = readString(in, bytes.length);
    String etag = readString(in, bytes.length);
    String lastModified = readString(in, bytes.length);
    int length = in.readInt();
    CacheEntry.Builder<V> builder;
    if (length == -1) {
      builder = CacheEntry.negative(createdAt, expiresAt);
    } else {
      if (length < 0 || length > in.available()) {
        throw new IOException("bad value length " + length);
      }
      byte[] value = new byte[length];
      in.readFully(value);
      builder = CacheEntry.builder(codec.decode(value), createdAt, expiresAt);
    }
    if (in.available() != 0) {
      throw new IOException("trailing bytes");
    }
    return builder
        .staleWhileRevalidateUntil(swrUntil)
        .staleIfErrorUntil(sieUntil)
        .revalidateUntil(revalidateUntil)
        .loadNanos(loadNanos)
        .contentType(contentType)
        .etag(etag)
        .lastModified(lastModified)
        .build();
  }

  private static void writeString(DataOutputStream out, @Nullable String s) throws IOException {
    if (s == null) {
      out.writeInt(-1);
      return;
    }
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private static @Nullable String readString(DataInputStream in, int limit) throws IOException {
    int length = in.readInt();
    if (length == -1) {
      return null;
    }
    if (length < 0 || length > limit) {
      throw new IOException("bad string length " + length);
    }
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static void skipString(DataInputStream in) throws IOException {
    int length = in.readInt();
    if (length > 0 && in.skipBytes(length) != length) {
      throw new EOFException();
    }
  }

  private long toWall(long tickerNanos) {
    return wallAnchorNanos + (tickerNanos - tickerAnchor);
  }

  private long toTicker(long wallNanos) {
    return tickerAnchor + (wallNanos - wallAnchorNanos);
  }

  // ---------------------------------------------------------------- files

  private Path fileOf(String key) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return dir.resolve(HexFormat.of().formatHex(hash) + SUFFIX);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private void delete(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + file, e);
    }
  }

  private void forEachEntryFile(java.util.function.Consumer<Path> action) {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
      for (Path file : files) {
        action.accept(file);
      }
    } catch (NoSuchFileException e) {
      // the directory was removed: nothing stored
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }
}
