package io.strata.cache.internal;

import io.strata.cache.CacheObserver;
import io.strata.cache.TierHealth;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The observers of one cache, each fenced: an observer that throws is logged once and otherwise
 * ignored. Iterates a copy-on-write array, so notifying allocates nothing.
 */
final class ObserverChain implements CacheObserver {

  private static final Logger LOG = LoggerFactory.getLogger(ObserverChain.class);

  private final String cacheName;
  private volatile CacheObserver[] observers = new CacheObserver[0];
  private final Set<CacheObserver> reported = Collections.newSetFromMap(new IdentityHashMap<>());

  ObserverChain(String cacheName) {
    this.cacheName = cacheName;
  }

  synchronized AutoCloseable add(CacheObserver observer) {
    CacheObserver[] next = Arrays.copyOf(observers, observers.length + 1);
    next[next.length - 1] = observer;
    observers = next;
    return () -> remove(observer);
  }

  private synchronized void remove(CacheObserver observer) {
    observers = Arrays.stream(observers).filter(o -> o != observer).toArray(CacheObserver[]::new);
  }

  private void each(Consumer<CacheObserver> event) {
    for (CacheObserver observer : observers) {
      try {
        event.accept(observer);
      } catch (RuntimeException | LinkageError e) {
        failed(observer, e);
      }
    }
  }

  private void failed(CacheObserver observer, Throwable error) {
    boolean first;
    synchronized (reported) {
      first = reported.add(observer);
    }
    if (first) {
      LOG.warn(
          "Observer {} of cache '{}' threw; its failures are ignored from now on (logged once)",
          observer,
          cacheName,
          error);
    }
  }

  // The calls on the paths of hits and loads avoid the lambda of each(): a capturing lambda
  // allocates per call.

  @Override
  public void tierHit(String tier) {
    for (CacheObserver observer : observers) {
      try {
        observer.tierHit(tier);
      } catch (RuntimeException | LinkageError e) {
        failed(observer, e);
      }
    }
  }

  @Override
  public void tierMiss(String tier) {
    for (CacheObserver observer : observers) {
      try {
        observer.tierMiss(tier);
      } catch (RuntimeException | LinkageError e) {
        failed(observer, e);
      }
    }
  }

  @Override
  public void tierLatency(String tier, Operation operation, long nanos) {
    for (CacheObserver observer : observers) {
      try {
        observer.tierLatency(tier, operation, nanos);
      } catch (RuntimeException | LinkageError e) {
        failed(observer, e);
      }
    }
  }

  @Override
  public void tierError(String tier, Operation operation, Throwable error) {
    each(o -> o.tierError(tier, operation, error));
  }

  @Override
  public void promotion(String tier) {
    for (CacheObserver observer : observers) {
      try {
        observer.promotion(tier);
      } catch (RuntimeException | LinkageError e) {
        failed(observer, e);
      }
    }
  }

  @Override
  public void coalescedWait() {
    each(CacheObserver::coalescedWait);
  }

  @Override
  public void load(boolean success, long nanos) {
    for (CacheObserver observer : observers) {
      try {
        observer.load(success, nanos);
      } catch (RuntimeException | LinkageError e) {
        failed(observer, e);
      }
    }
  }

  @Override
  public void refresh(boolean success) {
    each(o -> o.refresh(success));
  }

  @Override
  public void staleServed(String cause) {
    each(o -> o.staleServed(cause));
  }

  @Override
  public void invalidationReceived(String tier, int keys) {
    each(o -> o.invalidationReceived(tier, keys));
  }

  @Override
  public void flush(String tier, String reason) {
    each(o -> o.flush(tier, reason));
  }

  @Override
  public void decodeError(String tier) {
    each(o -> o.decodeError(tier));
  }

  @Override
  public void valueTooLarge(String tier) {
    each(o -> o.valueTooLarge(tier));
  }

  @Override
  public void writeDropped(String tier) {
    each(o -> o.writeDropped(tier));
  }

  @Override
  public void fillRefused(String tier) {
    each(o -> o.fillRefused(tier));
  }

  @Override
  public void changeDeferred(String tier) {
    each(o -> o.changeDeferred(tier));
  }

  @Override
  public void changesReplayed(String tier, int changes) {
    each(o -> o.changesReplayed(tier, changes));
  }

  @Override
  public void healthChanged(String tier, TierHealth health) {
    each(o -> o.healthChanged(tier, health));
  }
}
