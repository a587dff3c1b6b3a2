package io.strata.cache.examples.spring;

/** A book, as the slow repository returns it and as Redis stores it (JSON bound to this type). */
public record Book(String isbn, String title) {}
