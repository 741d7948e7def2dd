package io.github.prefectecs.agent.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class TokenBucketTest {
  private final AtomicLong now = new AtomicLong();
  private final List<Long> sleeps = new ArrayList<>();

  private TokenBucket bucket(int capacity, double perSecond) {
    return new TokenBucket(
        "test",
        capacity,
        perSecond,
        now::get,
        nanos -> {
          sleeps.add(nanos);
          now.addAndGet(nanos);
        });
  }

  @Test
  void burstIsFreeThenCallsArePacedAtTheRefillRate() throws InterruptedException {
    TokenBucket bucket = bucket(3, 2);
    for (int i = 0; i < 3; i++) {
      bucket.acquire();
    }
    assertThat(sleeps).isEmpty();

    bucket.acquire();
    bucket.acquire();

    assertThat(sleeps).containsExactly(500_000_000L, 500_000_000L);
  }

  @Test
  void tokensRefillOverTimeUpToCapacity() {
    TokenBucket bucket = bucket(2, 1);
    assertThat(bucket.tryAcquire()).isTrue();
    assertThat(bucket.tryAcquire()).isTrue();
    assertThat(bucket.tryAcquire()).isFalse();

    now.addAndGet(10_000_000_000L);

    assertThat(bucket.tryAcquire()).isTrue();
    assertThat(bucket.tryAcquire()).isTrue();
    assertThat(bucket.tryAcquire()).isFalse();
  }

  @Test
  void invalidSizesAreRefusedNamingTheBucket() {
    assertThatThrownBy(() -> bucket(0, 1)).hasMessageContaining("test: capacity");
    assertThatThrownBy(() -> bucket(1, 0)).hasMessageContaining("test: refill rate");
  }

  @Test
  @Timeout(10)
  void aWaitingCallerCanBeInterrupted() throws Exception {
    TokenBucket bucket = TokenBucket.system("slow", 1, 0.001);
    bucket.acquire();
    CountDownLatch waiting = new CountDownLatch(1);
    List<Throwable> thrown = new ArrayList<>();
    Thread t =
        new Thread(
            () -> {
              waiting.countDown();
              try {
                bucket.acquire();
              } catch (InterruptedException e) {
                synchronized (thrown) {
                  thrown.add(e);
                }
              }
            });
    t.start();
    waiting.await();
    t.interrupt();
    t.join();

    assertThat(thrown).hasSize(1);
  }

  @Test
  @Timeout(10)
  void concurrentCallersNeverExceedTheRate() throws Exception {
    TokenBucket bucket = bucket(5, 10);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Thread t =
          new Thread(
              () -> {
                for (int j = 0; j < 25; j++) {
                  bucket.reserve();
                }
              });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    // 100 reservations from 4 threads: 5 from the burst, 95 owed at 10/s; the next is due in 9.6 s.
    assertThat(bucket.reserve()).isEqualTo(9_600_000_000L);
  }

  private TokenBucket adaptive(int capacity, double ceiling) {
    AdaptiveRate rate =
        new AdaptiveRate(
            ceiling,
            new AdaptiveRate.Tuning(0.1, 0.5, 0.0, 0.1, 0.9, 1.0, java.time.Duration.ofSeconds(1)),
            () -> 0);
    return new TokenBucket(
        "adaptive",
        capacity,
        rate,
        now::get,
        nanos -> {
          sleeps.add(nanos);
          now.addAndGet(nanos);
        });
  }

  private static final long MS = 1_000_000L;

  @Test
  void throttlingHalvesAnAdaptiveBucketsRateAndDropsItsSavedBurst() throws InterruptedException {
    TokenBucket bucket = adaptive(10, 10);
    assertThat(bucket.isAdaptive()).isTrue();
    assertThat(bucket.tryAcquire()).isTrue();

    assertThat(bucket.throttled()).as("the first throttled call lowers the rate").isTrue();

    assertThat(bucket.rate()).isCloseTo(5, org.assertj.core.api.Assertions.within(1e-9));
    assertThat(bucket.tryAcquire()).as("the saved tokens are gone").isFalse();
    bucket.acquire();
    assertThat(sleeps).hasSize(1);
    assertThat(sleeps.get(0)).isBetween(199 * MS, 201 * MS); // one token at about 5/s
  }

  @Test
  void adaptiveBucketStartsWithAQuarterOfItsBurstAndSavesNoMore() {
    TokenBucket bucket = adaptive(20, 20);
    int taken = 0;
    while (bucket.tryAcquire()) {
      taken++;
    }
    assertThat(taken).as("a quarter of 20 to start with").isEqualTo(5);
    now.addAndGet(3_600_000 * MS);
    taken = 0;
    while (bucket.tryAcquire()) {
      taken++;
    }
    assertThat(taken).as("after an idle hour, still a quarter").isEqualTo(5);
  }

  @Test
  void adaptiveBucketSavesABurstInProportionToItsLoweredRate() {
    TokenBucket bucket = adaptive(20, 20);
    bucket.tryAcquire();
    bucket.throttled(); // 20 -> 10
    bucket.throttled(); // held: the same overshoot
    now.addAndGet(1000 * MS);
    bucket.throttled(); // 10 -> 5: a quarter of the ceiling, so 5 tokens saved at most
    bucket.throttled();
    now.addAndGet(1000 * MS);
    bucket.throttled(); // 5 -> 2.5: at most 2.5 tokens saved
    now.addAndGet(1000 * MS); // held (not climbing) for 1 s
    int taken = 0;
    while (bucket.tryAcquire()) {
      taken++;
    }
    assertThat(taken).isEqualTo(2);
  }

  @Test
  void adaptiveBucketClimbsBackToItsCeiling() {
    TokenBucket bucket = adaptive(10, 10);
    bucket.tryAcquire();
    bucket.throttled(); // 10 -> 5, plateau at 9 (90 %), held for 1 s
    now.addAndGet(1000 * MS);
    assertThat(bucket.rate()).isCloseTo(5, org.assertj.core.api.Assertions.within(1e-6));
    // cubic 0.1 of the ceiling per s^3: (9 - 5) / 1 = 4 s^3 to the plateau, K = 1.587 s
    now.addAndGet(1587 * MS);
    assertThat(bucket.rate()).isCloseTo(9, org.assertj.core.api.Assertions.within(1e-3));
    now.addAndGet(60_000 * MS);
    assertThat(bucket.rate()).isEqualTo(10);
  }

  @Test
  void fixedBucketIgnoresThrottling() {
    TokenBucket bucket = bucket(10, 10);
    assertThat(bucket.isAdaptive()).isFalse();
    bucket.throttled();
    assertThat(bucket.throttled()).isFalse();
    assertThat(bucket.rate()).isEqualTo(10);
    for (int i = 0; i < 10; i++) {
      assertThat(bucket.tryAcquire()).isTrue();
    }
  }
}
