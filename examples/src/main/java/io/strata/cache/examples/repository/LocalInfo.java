package io.strata.cache.examples.repository;

/**
 * What the slow service knows about a place (its "local info"). Immutable.
 *
 * @param name the place's name
 * @param region its region
 * @param population its population
 */
public record LocalInfo(String name, String region, int population) {}
