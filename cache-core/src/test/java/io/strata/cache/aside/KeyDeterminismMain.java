package io.strata.cache.aside;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Prints the keys of a fixed set of arguments, one per line, for {@link CacheKeysCrossJvmTest} to
 * compare with the keys computed in the test's own JVM. The arguments hold values whose {@code
 * hashCode} is an identity hash (enums, and records and hash sets of them), which differs from JVM
 * to JVM. The first line reports such a hash, so the test can check that it did differ.
 */
public final class KeyDeterminismMain {

  enum Planet {
    MERCURY,
    VENUS,
    EARTH,
    MARS,
    JUPITER,
    SATURN,
    URANUS,
    NEPTUNE,
    PLUTO,
    CERES,
    ERIS,
    HAUMEA,
    MAKEMAKE,
    SEDNA,
    ORCUS,
    QUAOAR
  }

  record Orbit(Planet planet, Object tag, List<Planet> moons) {}

  private KeyDeterminismMain() {}

  /** A value whose hashCode depends on identity hashes. */
  static int hashProbe() {
    return new Orbit(Planet.EARTH, Planet.MARS, List.of(Planet.PLUTO)).hashCode();
  }

  static List<String> keys() {
    Set<Planet> hashSet = new HashSet<>();
    for (Planet planet : Planet.values()) {
      hashSet.add(planet);
    }
    Map<Planet, Integer> hashMap = new HashMap<>();
    for (Planet planet : Planet.values()) {
      hashMap.put(planet, planet.ordinal());
    }
    Set<Orbit> orbits = new HashSet<>();
    for (Planet planet : Planet.values()) {
      orbits.add(new Orbit(planet, planet.name(), List.of(planet)));
    }
    Map<Object, Object> nested = new HashMap<>();
    nested.put(Planet.MARS, new HashSet<>(List.of(Planet.VENUS, Planet.EARTH)));
    nested.put("a:b", Arrays.asList(null, "\"q\"", '\\'));
    nested.put(
        new Orbit(Planet.CERES, Planet.ERIS, List.of()), Optional.of(EnumSet.of(Planet.SEDNA)));

    List<Object[]> arguments = new ArrayList<>();
    arguments.add(new Object[] {"alice"});
    arguments.add(new Object[] {"a:b", "c"});
    arguments.add(new Object[] {"a", "b:c"});
    arguments.add(new Object[] {"é日本😀\n\u0000\uD800", null});
    arguments.add(new Object[] {1, 1L, (short) 1, (byte) 1, 0.1, 2e23, 1.5f, true, 'x'});
    arguments.add(new Object[] {new BigDecimal("1.50"), new BigDecimal("1E+3")});
    arguments.add(new Object[] {Planet.EARTH, hashSet});
    arguments.add(new Object[] {hashMap});
    arguments.add(new Object[] {new Orbit(Planet.EARTH, Planet.MARS, List.of(Planet.PLUTO))});
    arguments.add(new Object[] {orbits});
    arguments.add(new Object[] {nested});
    arguments.add(new Object[] {new int[] {3, 1, 2}, new String[][] {{"x"}, {}}});
    arguments.add(
        new Object[] {
          UUID.fromString("123e4567-e89b-12d3-a456-426614174000"),
          LocalDate.of(2024, 5, 1),
          ZonedDateTime.of(2024, 5, 1, 10, 0, 0, 0, ZoneId.of("Europe/Paris")),
          Optional.empty()
        });
    List<String> keys = new ArrayList<>();
    for (Object[] parts : arguments) {
      keys.add(CacheKeys.of(parts));
    }
    return keys;
  }

  public static void main(String[] args) {
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, UTF_8);
    out.println("hash " + hashProbe());
    for (String key : keys()) {
      out.println(key);
    }
    out.flush();
  }
}
