package io.strata.cache.examples.spring;

import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.Cacheable;

/**
 * The application's service: plain Spring cache annotations, served by Strata through the
 * starter. Nothing here names Strata.
 */
public class BookService {

  private final SlowBookRepository repository;

  public BookService(SlowBookRepository repository) {
    this.repository = repository;
  }

  /** Read once from the repository, then from the cache (local tier, and Redis if configured). */
  @Cacheable("books")
  public Book find(String isbn) {
    return repository.findBook(isbn);
  }

  /**
   * {@code sync = true}: however many threads ask for a cold cover at once, one renders it and
   * the others wait for its result (Strata's coalesced load, per key; other keys are not locked).
   */
  @Cacheable(cacheNames = "covers", sync = true)
  public String cover(String isbn) {
    return repository.renderCover(isbn);
  }

  /**
   * Changes the source, then drops the cached book (with Redis: on every instance). The key is the
   * ISBN alone, as {@link #find} caches it; the default key would be both arguments.
   */
  @CacheEvict(cacheNames = "books", key = "#isbn")
  public void rename(String isbn, String title) {
    repository.rename(isbn, title);
  }
}
