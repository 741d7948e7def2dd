package io.github.prefectecs.agent.run;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A bounded number of launches in flight. A slot is taken before a run is claimed and given back
 * when its launch ends, so the agent never claims more runs than it can launch.
 *
 * <p>Thread-safe.
 */
public final class LaunchSlots {
  private final int capacity;
  private final Semaphore semaphore;

  public LaunchSlots(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("launch capacity must be at least 1, was " + capacity);
    }
    this.capacity = capacity;
    this.semaphore = new Semaphore(capacity);
  }

  public int capacity() {
    return capacity;
  }

  public int available() {
    return semaphore.availablePermits();
  }

  public int inUse() {
    return capacity - semaphore.availablePermits();
  }

  public boolean tryAcquire() {
    return semaphore.tryAcquire();
  }

  public void release() {
    semaphore.release();
  }

  /**
   * Waits until at least {@code n} slots are free (without taking them) or {@code timeout} passes;
   * returns how many are free then. Restores the interrupt flag when interrupted.
   */
  public int awaitAvailable(int n, Duration timeout) {
    int wanted = Math.min(n, capacity);
    try {
      if (semaphore.tryAcquire(wanted, timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        semaphore.release(wanted);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return semaphore.availablePermits();
  }

  /**
   * Waits until every slot is free (all launches finished) or {@code timeout} passes; returns
   * whether all are free. Restores the interrupt flag and returns false when interrupted.
   */
  public boolean awaitAllFree(Duration timeout) {
    try {
      if (semaphore.tryAcquire(capacity, timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        semaphore.release(capacity);
        return true;
      }
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
