package io.strata.cache.examples.spring;

import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * A Spring Boot application with Strata behind {@code @Cacheable}: the starter on the class path,
 * {@code @EnableCaching}, and {@code strata.cache.*} in {@code application.properties}. Redis is
 * used when {@code REDIS_URL} is set, else the caches are local.
 *
 * <p>{@link #main} runs {@link BookstoreDemo}, which prints what each call did, then closes the
 * context and returns.
 */
@SpringBootApplication
@EnableCaching
public class BookstoreApplication {

  @Bean
  SlowBookRepository slowBookRepository(
      @Value("${bookstore.repository-delay:1s}") Duration delay) {
    return new SlowBookRepository(delay);
  }

  @Bean
  BookService bookService(SlowBookRepository repository) {
    return new BookService(repository);
  }

  @Bean
  @ConditionalOnBooleanProperty(name = "bookstore.demo", matchIfMissing = true)
  BookstoreDemo bookstoreDemo(
      BookService books,
      SlowBookRepository repository,
      CacheManager cacheManager,
      ConfigurableApplicationContext context) {
    return new BookstoreDemo(books, repository, cacheManager, context, System.out);
  }

  /** Runs the demonstration and exits (no web server: nothing keeps the JVM up). */
  public static void main(String[] args) {
    SpringApplication application = new SpringApplication(BookstoreApplication.class);
    application.setWebApplicationType(WebApplicationType.NONE);
    // The demo runs within run(); closing the context closes the caches and the Redis client.
    application.run(args).close();
  }
}
