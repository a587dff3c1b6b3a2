package io.strata.cache.testkit;

import io.strata.cache.CacheTier;
import io.strata.cache.TierContext;
import io.strata.cache.codec.Codec;

class InMemoryTierCompatibilityTest extends CacheTierCompatibilityKit {

  @Override
  protected CacheTier<String, String> createTier(TierContext<String> context) {
    return InMemoryTier.factory("memory", new InMemoryTier.Store(), Codec.utf8()).create(context);
  }
}
