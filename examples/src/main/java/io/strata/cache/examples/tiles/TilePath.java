package io.strata.cache.examples.tiles;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A validated tile address: zoom {@code z} in [0, {@value #MAX_ZOOM}], and {@code x}, {@code y}
 * in [0, 2^z). Its {@link #key()} ({@code "z/x/y"}, canonical: {@code /tiles/3/04/5.png} and
 * {@code /tiles/3/4/5.png} share a key) is the cache key. Immutable.
 *
 * @param z the zoom level
 * @param x the column
 * @param y the row
 */
public record TilePath(int z, int x, int y) {

  /** The deepest zoom level served, as most tile servers do. */
  public static final int MAX_ZOOM = 22;

  private static final String PREFIX = "/tiles/";
  // At most 8 digits per number: nothing valid is longer, and no parse can overflow.
  private static final Pattern PATH =
      Pattern.compile("/tiles/([0-9]{1,8})/([0-9]{1,8})/([0-9]{1,8})\\.png");

  public TilePath {
    if (z < 0 || z > MAX_ZOOM) {
      throw new IllegalArgumentException("z must be between 0 and " + MAX_ZOOM + ", but was " + z);
    }
    long limit = 1L << z;
    if (x < 0 || x >= limit) {
      throw new IllegalArgumentException(
          "x must be between 0 and " + (limit - 1) + " at z=" + z + ", but was " + x);
    }
    if (y < 0 || y >= limit) {
      throw new IllegalArgumentException(
          "y must be between 0 and " + (limit - 1) + " at z=" + z + ", but was " + y);
    }
  }

  /**
   * Parses a request path such as {@code /tiles/15/16384/10900.png}.
   *
   * @throws IllegalArgumentException with a short reason, fit for a 404 body, if the path is not a
   *     tile or a number is out of range
   */
  public static TilePath parse(String path) {
    Objects.requireNonNull(path, "path");
    Matcher m = PATH.matcher(path);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "not a tile: expected /tiles/{z}/{x}/{y}.png with non-negative integers");
    }
    return new TilePath(
        Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
  }

  /** Returns whether {@code path} is under {@code /tiles/} (valid or not). */
  static boolean isUnderTiles(String path) {
    return path.startsWith(PREFIX);
  }

  /** Parses a cache key made by {@link #key()}. */
  public static TilePath ofKey(String key) {
    String[] parts = key.split("/", -1);
    if (parts.length != 3) {
      throw new IllegalArgumentException("a tile key is z/x/y, but was '" + key + "'");
    }
    return new TilePath(
        Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
  }

  /** Returns the cache key, {@code "z/x/y"}. */
  public String key() {
    return z + "/" + x + "/" + y;
  }

  @Override
  public String toString() {
    return PREFIX + key() + ".png";
  }
}
