package io.strata.cache.redis.internal;

import io.strata.cache.CacheEntry;
import io.strata.cache.codec.Codec;
import io.strata.cache.codec.CodecException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The fields of an entry's hash, format version 1.
 *
 * <p><b>Entries this reader does not own.</b> During a rolling deploy two versions of a service
 * share Redis: an entry of a newer format version, or written with another codec id, is another
 * version's and is left alone ({@link ForeignEntryException}: a miss, never deleted). Only an entry
 * that no reading accepts is corrupt ({@link CorruptEntryException}: deleted): a missing or
 * malformed field, a version that is not a number, bytes our codec rejects under our codec id.
 * Writes replace this format's fields and leave any others, so a later format must read an entry
 * by the fields of the version its {@code v} names.
 *
 * <p>Times are stored as milliseconds before the key's own expiry (its PTTL deadline), not as
 * clock readings: a reader rebuilds them from the PTTL it reads in the same step, so clocks of
 * different machines never need to agree, and an entry can never outlive its key.
 *
 * <pre>
 *   v   format version ("1")            ct  codec id
 *   b   codec bytes (absent if negative) n   "1" for a negative entry
 *   x   ms from freshness end to key expiry
 *   w   ms from stale-while-revalidate end to key expiry
 *   e   ms from stale-if-error end to key expiry
 *   r   ms from revalidation end to key expiry (optional: absent = the freshness end)
 *   a   ms from creation to key expiry   l   load time in microseconds
 *   mt  media type (optional)           et  ETag (optional)   lm  Last-Modified (optional)
 *   id  the write's own id: how the writer tells the push of its own write from another's
 * </pre>
 *
 * <p>Readers ignore fields they do not know, so {@code id} needed no new version.
 */
final class EntryFormat {

  static final String VERSION = "1";
  private static final long NANOS_PER_MILLI = 1_000_000L;

  private EntryFormat() {}

  /** Thrown for a hash this format cannot read; the entry is then deleted as corrupt. */
  static final class CorruptEntryException extends Exception {
    private static final long serialVersionUID = 1L;

    CorruptEntryException(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Thrown for a well-formed entry of another codec or a newer format version: another version of
   * the service wrote it, and it is a miss left in place.
   */
  /** The entry's value is longer than the reader's maxValueBytes. */
  static final class ValueTooLargeException extends Exception {
    private static final long serialVersionUID = 1L;
    final int length;

    ValueTooLargeException(int length) {
      super(null, null, false, false);
      this.length = length;
    }
  }

  static final class ForeignEntryException extends Exception {
    private static final long serialVersionUID = 1L;

    ForeignEntryException(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * An entry ready to write: the key's TTL, the optional fields it lacks (to remove what an older
   * entry under the key left), and its field/value pairs.
   */
  record Encoded(long ttlMillis, List<byte[]> absent, List<byte[]> fields) {}

  private static final byte[] V = ascii("v");
  private static final byte[] CT = ascii("ct");
  private static final byte[] B = ascii("b");
  private static final byte[] N = ascii("n");
  private static final byte[] X = ascii("x");
  private static final byte[] W = ascii("w");
  private static final byte[] E = ascii("e");
  private static final byte[] R = ascii("r");
  private static final byte[] A = ascii("a");
  private static final byte[] L = ascii("l");
  private static final byte[] MT = ascii("mt");
  private static final byte[] ET = ascii("et");
  private static final byte[] LM = ascii("lm");
  static final byte[] ID = ascii("id");
  private static final byte[] VERSION_BYTES = ascii(VERSION);
  private static final byte[] ONE = ascii("1");

  /** Returns {@code entry} ready to write, or null when it has no time left to live. */
  static <V> @Nullable Encoded encode(
      CacheEntry<V> entry, byte @Nullable [] bytes, String codecId, byte[] writeId, long now) {
    long retainUntil = entry.retainUntil();
    long ttl = (retainUntil - now) / NANOS_PER_MILLI;
    if (ttl <= 0) {
      return null;
    }
    List<byte[]> fields = new ArrayList<>(28);
    List<byte[]> absent = new ArrayList<>(5);
    add(fields, V, VERSION_BYTES);
    add(fields, CT, codecId.getBytes(StandardCharsets.UTF_8));
    if (bytes == null) {
      add(fields, N, ONE);
      absent.add(B);
    } else {
      add(fields, B, bytes);
      absent.add(N);
    }
    add(fields, X, millisBefore(retainUntil, entry.expiresAt()));
    add(fields, W, millisBefore(retainUntil, entry.staleWhileRevalidateUntil()));
    add(fields, E, millisBefore(retainUntil, entry.staleIfErrorUntil()));
    if (entry.revalidateUntil() != entry.expiresAt()) {
      add(fields, R, millisBefore(retainUntil, entry.revalidateUntil()));
    } else {
      absent.add(R);
    }
    add(fields, A, millisBefore(retainUntil, entry.createdAt()));
    add(fields, L, entry.loadNanos() / 1_000);
    optional(fields, absent, MT, entry.contentType());
    optional(fields, absent, ET, entry.etag());
    optional(fields, absent, LM, entry.lastModified());
    add(fields, ID, writeId);
    return new Encoded(ttl, absent, fields);
  }

  private static void add(List<byte[]> fields, byte[] name, byte[] value) {
    fields.add(name);
    fields.add(value);
  }

  private static void add(List<byte[]> fields, byte[] name, long value) {
    fields.add(name);
    fields.add(ascii(Long.toString(value)));
  }

  private static void optional(
      List<byte[]> fields, List<byte[]> absent, byte[] name, @Nullable String value) {
    if (value == null) {
      absent.add(name);
    } else {
      add(fields, name, value.getBytes(StandardCharsets.UTF_8));
    }
  }

  /**
   * Returns the entry stored in {@code flatHash} (field, value, field, value...) whose key has
   * {@code pttlMillis} left, read at {@code now}.
   *
   * @throws ForeignEntryException if the entry is of a newer format version or another codec
   * @throws ValueTooLargeException if the value is longer than {@code maxValueBytes}
   * @throws CorruptEntryException if a field is missing or malformed, or the version is not one
   * @throws CodecException if the codec rejects the bytes
   */
  static <V> CacheEntry<V> decode(
      List<?> flatHash, long pttlMillis, long now, Codec<V> codec, int maxValueBytes)
      throws CorruptEntryException, ForeignEntryException, ValueTooLargeException {
    if (flatHash.size() % 2 != 0) {
      throw new CorruptEntryException("not a hash (" + flatHash.size() + " items)");
    }
    // Fields by slot, straight from the reply: no map and no strings on the read path.
    byte[][] fields = new byte[NAMES.length][];
    for (int i = 0; i < flatHash.size(); i += 2) {
      if (!(flatHash.get(i) instanceof byte[] name) || !(flatHash.get(i + 1) instanceof byte[] value)) {
        throw new CorruptEntryException("not a hash of byte strings");
      }
      int slot = slot(name);
      if (slot >= 0) {
        fields[slot] = value;
      }
    }
    byte[] version = required(fields, S_V);
    if (!Arrays.equals(VERSION_BYTES, version)) {
      if (isNewerVersion(version)) {
        // A newer format may lay out everything else differently: nothing more is checked.
        throw new ForeignEntryException("written in format version " + text(fields, S_V));
      }
      throw new CorruptEntryException("unknown format version '" + text(fields, S_V) + "'");
    }
    if (!Arrays.equals(codec.id().getBytes(StandardCharsets.UTF_8), required(fields, S_CT))) {
      throw new ForeignEntryException(
          "written by codec '" + text(fields, S_CT) + "', read with codec '" + codec.id() + "'");
    }
    if (flatHash.size() > 64) {
      throw new CorruptEntryException("not a hash of this format (" + flatHash.size() + " items)");
    }
    long retainUntil = now + pttlMillis * NANOS_PER_MILLI;
    long expiresAt = retainUntil - number(fields, S_X) * NANOS_PER_MILLI;
    long createdAt = Math.min(expiresAt, retainUntil - number(fields, S_A) * NANOS_PER_MILLI);
    byte[] bytes = fields[S_B];
    CacheEntry.Builder<V> builder;
    if (bytes == null) {
      if (!Arrays.equals(ONE, fields[S_N])) {
        throw new CorruptEntryException("neither a value nor a negative entry");
      }
      builder = CacheEntry.negative(createdAt, expiresAt);
    } else {
      if (bytes.length > maxValueBytes) {
        throw new ValueTooLargeException(bytes.length);
      }
      builder = CacheEntry.builder(codec.decode(bytes), createdAt, expiresAt);
    }
    return builder
        .staleWhileRevalidateUntil(retainUntil - number(fields, S_W) * NANOS_PER_MILLI)
        .staleIfErrorUntil(retainUntil - number(fields, S_E) * NANOS_PER_MILLI)
        .revalidateUntil(
            fields[S_R] != null ? retainUntil - number(fields, S_R) * NANOS_PER_MILLI : expiresAt)
        .loadNanos(number(fields, S_L) * 1_000)
        .contentType(optionalText(fields, S_MT))
        .etag(optionalText(fields, S_ET))
        .lastModified(optionalText(fields, S_LM))
        .build();
  }

  // The slots of the fields this format knows; other fields are ignored.
  private static final byte[][] NAMES = {V, CT, B, N, X, W, E, R, A, L, MT, ET, LM};
  private static final int S_V = 0;
  private static final int S_CT = 1;
  private static final int S_B = 2;
  private static final int S_N = 3;
  private static final int S_X = 4;
  private static final int S_W = 5;
  private static final int S_E = 6;
  private static final int S_R = 7;
  private static final int S_A = 8;
  private static final int S_L = 9;
  private static final int S_MT = 10;
  private static final int S_ET = 11;
  private static final int S_LM = 12;

  private static int slot(byte[] name) {
    for (int i = 0; i < NAMES.length; i++) {
      if (Arrays.equals(NAMES[i], name)) {
        return i;
      }
    }
    return -1;
  }

  /** Returns whether {@code version} is a decimal number above {@link #VERSION}, no sign. */
  private static boolean isNewerVersion(byte[] version) {
    if (version.length == 0 || version.length > 9 || version[0] == '0') {
      return false;
    }
    int value = 0;
    for (byte digit : version) {
      if (digit < '0' || digit > '9') {
        return false;
      }
      value = value * 10 + (digit - '0');
    }
    return value > Integer.parseInt(VERSION);
  }

  /** No deadline this format writes lies a century away; a larger number is garbage. */
  private static final long MAX_MILLIS = 366L * 24 * 3600 * 1000 * 100;

  private static long millisBefore(long end, long time) {
    return Math.max(0, (end - time) / NANOS_PER_MILLI);
  }

  private static byte[] required(byte[][] fields, int slot) throws CorruptEntryException {
    byte[] value = fields[slot];
    if (value == null) {
      throw new CorruptEntryException(
          "field '" + new String(NAMES[slot], StandardCharsets.US_ASCII) + "' is missing");
    }
    return value;
  }

  private static String text(byte[][] fields, int slot) throws CorruptEntryException {
    return new String(required(fields, slot), StandardCharsets.UTF_8);
  }

  private static @Nullable String optionalText(byte[][] fields, int slot) {
    byte[] value = fields[slot];
    return value == null ? null : new String(value, StandardCharsets.UTF_8);
  }

  /** Parses decimal digits only (what {@link #encode} writes), up to {@link #MAX_MILLIS}. */
  private static long number(byte[][] fields, int slot) throws CorruptEntryException {
    byte[] digits = required(fields, slot);
    if (digits.length == 0) {
      throw malformed(slot, "is not a number");
    }
    long value = 0;
    for (byte digit : digits) {
      if (digit < '0' || digit > '9') {
        throw malformed(slot, "is not a number");
      }
      value = value * 10 + (digit - '0');
      if (value > MAX_MILLIS) {
        throw malformed(slot, "is out of range");
      }
    }
    return value;
  }

  private static CorruptEntryException malformed(int slot, String what) {
    return new CorruptEntryException(
        "field '" + new String(NAMES[slot], StandardCharsets.US_ASCII) + "' " + what);
  }

  private static byte[] ascii(String name) {
    return name.getBytes(StandardCharsets.US_ASCII);
  }
}
