package io.strata.cache.metrics.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Counters of one name whose last tag takes values that arrive with events (a stale cause, a flush
 * reason), registered on first use. Thread-safe.
 *
 * <p>The values come from tiers, some written by users, so the number of distinct ones is capped:
 * past {@link #MAX_VALUES} every new value is counted under {@link #OTHER}, and a misbehaving tier
 * cannot grow the registry.
 */
final class TaggedCounters {

  static final int MAX_VALUES = 16;
  static final String OTHER = "other";

  private final MeterRegistry registry;
  private final String name;
  private final String description;
  private final Tags tags;
  private final String key;
  private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();
  private @Nullable Counter other;

  TaggedCounters(MeterRegistry registry, String name, String description, Tags tags, String key) {
    this.registry = registry;
    this.name = name;
    this.description = description;
    this.tags = tags;
    this.key = key;
  }

  void increment(String value, double amount) {
    Counter counter = counters.get(value);
    if (counter == null) {
      counter = register(value);
    }
    counter.increment(amount);
  }

  // Synchronized so that the cap is exact; past the cap it only hands out the shared counter.
  private synchronized Counter register(String value) {
    Counter counter = counters.get(value);
    if (counter != null) {
      return counter;
    }
    if (counters.size() >= MAX_VALUES) {
      Counter overflow = other;
      if (overflow == null) {
        overflow = other = build(OTHER);
      }
      return overflow;
    }
    counter = build(value);
    counters.put(value, counter);
    return counter;
  }

  private Counter build(String value) {
    return Counter.builder(name)
        .description(description)
        .tags(tags)
        .tag(key, value)
        .register(registry);
  }
}
