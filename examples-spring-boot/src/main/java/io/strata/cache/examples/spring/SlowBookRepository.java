package io.strata.cache.examples.spring;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The source of truth, deliberately slow: every call waits {@code delay} (a database or a remote
 * service) and is counted, so the program can show which calls the cache spared. Thread-safe.
 */
public class SlowBookRepository {

  private final Duration delay;
  private final Map<String, String> titles = new ConcurrentHashMap<>();
  private final AtomicInteger bookCalls = new AtomicInteger();
  private final AtomicInteger coverCalls = new AtomicInteger();
  private volatile Runnable slowness;

  public SlowBookRepository(Duration delay) {
    this.delay = Objects.requireNonNull(delay, "delay");
    this.slowness = this::sleep;
    titles.put("978-0261103344", "The Hobbit");
    titles.put("978-0547928227", "The Lord of the Rings");
  }

  /** Returns the book of {@code isbn}, or null if there is none. */
  public Book findBook(String isbn) {
    bookCalls.incrementAndGet();
    slowness.run();
    String title = titles.get(isbn);
    return title == null ? null : new Book(isbn, title);
  }

  /** Returns the cover image of {@code isbn} (a name here, a rendering in real life). */
  public String renderCover(String isbn) {
    coverCalls.incrementAndGet();
    slowness.run();
    return "cover of " + titles.getOrDefault(isbn, isbn) + ".png";
  }

  /** Changes the title of {@code isbn}. */
  public void rename(String isbn, String title) {
    titles.put(isbn, title);
  }

  /** Returns how many times {@link #findBook} was called. */
  public int bookCalls() {
    return bookCalls.get();
  }

  /** Returns how many times {@link #renderCover} was called. */
  public int coverCalls() {
    return coverCalls.get();
  }

  /** Replaces the wait of each call (tests hold a call until other callers joined it). */
  void slowness(Runnable slowness) {
    this.slowness = Objects.requireNonNull(slowness, "slowness");
  }

  private void sleep() {
    try {
      Thread.sleep(delay.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
