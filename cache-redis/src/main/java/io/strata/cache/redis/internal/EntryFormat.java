package io.strata.cache.redis.internal;

import io.strata.cache.CacheEntry;
import io.strata.cache.codec.Codec;
import io.strata.cache.codec.CodecException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The fields of an entry's hash, format version 1.
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
 * </pre>
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
   * Returns the field/value pairs for {@code entry}, or null when it has no time left to live.
   * {@code ttlMillis[0]} receives the key's TTL.
   */
  static <V> @Nullable List<byte[]> encode(
      CacheEntry<V> entry, byte @Nullable [] bytes, String codecId, long now, long[] ttlMillis) {
    long retainUntil = entry.retainUntil();
    long ttl = (retainUntil - now) / NANOS_PER_MILLI;
    if (ttl <= 0) {
      return null;
    }
    ttlMillis[0] = ttl;
    List<byte[]> fields = new ArrayList<>(24);
    add(fields, "v", VERSION);
    add(fields, "ct", codecId);
    if (bytes == null) {
      add(fields, "n", "1");
    } else {
      fields.add(ascii("b"));
      fields.add(bytes);
    }
    add(fields, "x", Long.toString(millisBefore(retainUntil, entry.expiresAt())));
    add(fields, "w", Long.toString(millisBefore(retainUntil, entry.staleWhileRevalidateUntil())));
    add(fields, "e", Long.toString(millisBefore(retainUntil, entry.staleIfErrorUntil())));
    if (entry.revalidateUntil() != entry.expiresAt()) {
      add(fields, "r", Long.toString(millisBefore(retainUntil, entry.revalidateUntil())));
    }
    add(fields, "a", Long.toString(millisBefore(retainUntil, entry.createdAt())));
    add(fields, "l", Long.toString(entry.loadNanos() / 1_000));
    if (entry.contentType() != null) {
      add(fields, "mt", entry.contentType());
    }
    if (entry.etag() != null) {
      add(fields, "et", entry.etag());
    }
    if (entry.lastModified() != null) {
      add(fields, "lm", entry.lastModified());
    }
    return fields;
  }

  /**
   * Returns the entry stored in {@code flatHash} (field, value, field, value...) whose key has
   * {@code pttlMillis} left, read at {@code now}.
   *
   * @throws CorruptEntryException if a field is missing or malformed, or the version is unknown
   * @throws CodecException if the codec rejects the bytes
   */
  static <V> CacheEntry<V> decode(
      List<?> flatHash, long pttlMillis, long now, Codec<V> codec, int maxValueBytes)
      throws CorruptEntryException {
    if (flatHash.size() % 2 != 0 || flatHash.size() > 64) {
      throw new CorruptEntryException("not a hash of this format (" + flatHash.size() + " items)");
    }
    Map<String, byte[]> fields = new HashMap<>(flatHash.size());
    for (int i = 0; i < flatHash.size(); i += 2) {
      if (!(flatHash.get(i) instanceof byte[] name) || !(flatHash.get(i + 1) instanceof byte[] value)) {
        throw new CorruptEntryException("not a hash of byte strings");
      }
      fields.put(new String(name, StandardCharsets.ISO_8859_1), value);
    }
    String version = text(fields, "v");
    if (!VERSION.equals(version)) {
      throw new CorruptEntryException("unknown format version '" + version + "'");
    }
    String codecId = text(fields, "ct");
    if (!codec.id().equals(codecId)) {
      throw new CorruptEntryException(
          "written by codec '" + codecId + "', read with codec '" + codec.id() + "'");
    }
    long retainUntil = now + pttlMillis * NANOS_PER_MILLI;
    long expiresAt = retainUntil - number(fields, "x") * NANOS_PER_MILLI;
    long createdAt = Math.min(expiresAt, retainUntil - number(fields, "a") * NANOS_PER_MILLI);
    byte[] bytes = fields.get("b");
    CacheEntry.Builder<V> builder;
    if (bytes == null) {
      if (!"1".equals(text(fields, "n"))) {
        throw new CorruptEntryException("neither a value nor a negative entry");
      }
      builder = CacheEntry.negative(createdAt, expiresAt);
    } else {
      if (bytes.length > maxValueBytes) {
        throw new CorruptEntryException("value larger than maxValueBytes");
      }
      builder = CacheEntry.builder(codec.decode(bytes), createdAt, expiresAt);
    }
    return builder
        .staleWhileRevalidateUntil(retainUntil - number(fields, "w") * NANOS_PER_MILLI)
        .staleIfErrorUntil(retainUntil - number(fields, "e") * NANOS_PER_MILLI)
        .revalidateUntil(
            fields.containsKey("r") ? retainUntil - number(fields, "r") * NANOS_PER_MILLI : expiresAt)
        .loadNanos(number(fields, "l") * 1_000)
        .contentType(optionalText(fields, "mt"))
        .etag(optionalText(fields, "et"))
        .lastModified(optionalText(fields, "lm"))
        .build();
  }

  private static long millisBefore(long end, long time) {
    return Math.max(0, (end - time) / NANOS_PER_MILLI);
  }

  private static String text(Map<String, byte[]> fields, String name) throws CorruptEntryException {
    byte[] value = fields.get(name);
    if (value == null) {
      throw new CorruptEntryException("field '" + name + "' is missing");
    }
    return new String(value, StandardCharsets.UTF_8);
  }

  private static @Nullable String optionalText(Map<String, byte[]> fields, String name) {
    byte[] value = fields.get(name);
    return value == null ? null : new String(value, StandardCharsets.UTF_8);
  }

  private static long number(Map<String, byte[]> fields, String name)
      throws CorruptEntryException {
    String text = text(fields, name);
    try {
      long value = Long.parseLong(text);
      // No deadline this format writes lies a century away; a larger number is garbage.
      if (value < 0 || value > 366L * 24 * 3600 * 1000 * 100) {
        throw new CorruptEntryException("field '" + name + "' is out of range");
      }
      return value;
    } catch (NumberFormatException e) {
      throw new CorruptEntryException("field '" + name + "' is not a number");
    }
  }

  private static void add(List<byte[]> fields, String name, String value) {
    fields.add(ascii(name));
    fields.add(value.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] ascii(String name) {
    return name.getBytes(StandardCharsets.US_ASCII);
  }
}
