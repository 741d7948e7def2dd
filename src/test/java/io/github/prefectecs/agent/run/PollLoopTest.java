package io.github.prefectecs.agent.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.health.AgentHealth;
import io.github.prefectecs.agent.prefect.PrefectApiException;
import io.github.prefectecs.agent.testsupport.Eventually;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(20)
class PollLoopTest {
  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor();
  private final AgentHealth health = new AgentHealth(Clock.systemUTC());

  @AfterEach
  void stop() {
    thread.shutdownNow();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 3})
  void maxPollsPollsExactlyThatOftenThenFinishes(int maxPolls) throws Exception {
    AtomicInteger polls = new AtomicInteger();
    CountDownLatch finished = new CountDownLatch(1);
    new PollLoop(
            () -> {
              polls.incrementAndGet();
              return 1;
            },
            thread,
            health,
            maxPolls,
            finished::countDown)
        .start();
    assertThat(finished.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(polls.get()).isEqualTo(maxPolls);
  }

  @Test
  void aFailingPollMarksTheAgentUnhealthyAndTheLoopGoesOn() throws Exception {
    AtomicInteger polls = new AtomicInteger();
    CountDownLatch finished = new CountDownLatch(1);
    new PollLoop(
            () -> {
              if (polls.incrementAndGet() == 1) {
                throw new PrefectApiException(
                    PrefectApiException.Kind.TRANSPORT, "connection refused\nsecond line");
              }
              assertThat(health.status().healthy()).isFalse();
              assertThat(health.status().reason())
                  .isEqualTo("polling the Prefect API failed: connection refused");
              return 0;
            },
            thread,
            health,
            2,
            finished::countDown)
        .start();
    assertThat(finished.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(polls.get()).isEqualTo(2);
    assertThat(health.status().healthy()).isTrue();
  }

  @Test
  void pokeEndsTheIdleWait() throws Exception {
    AtomicInteger polls = new AtomicInteger();
    CountDownLatch secondPoll = new CountDownLatch(2);
    PollLoop loop =
        new PollLoop(
            () -> {
              polls.incrementAndGet();
              secondPoll.countDown();
              return 0;
            },
            thread,
            health,
            null,
            () -> {});
    // Idle intervals grow to 10 s; after several idle polls a poke must still poll at once.
    loop.start();
    assertThat(secondPoll.await(5, TimeUnit.SECONDS)).isTrue();
    int before = polls.get();
    CountDownLatch poked = new CountDownLatch(1);
    thread.schedule(loop::poke, 0, TimeUnit.MILLISECONDS);
    thread.schedule(poked::countDown, 200, TimeUnit.MILLISECONDS);
    assertThat(poked.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(polls.get()).isGreaterThan(before);
    loop.stop();
  }

  @Test
  void anErrorThrownByAPollDoesNotEndPolling() throws Exception {
    AtomicInteger polls = new AtomicInteger();
    CountDownLatch finished = new CountDownLatch(1);
    new PollLoop(
            () -> {
              if (polls.incrementAndGet() == 1) {
                throw new StackOverflowError("deep recursion");
              }
              return 0;
            },
            thread,
            health,
            3,
            finished::countDown)
        .start();
    assertThat(finished.await(15, TimeUnit.SECONDS)).isTrue();
    assertThat(polls.get()).isEqualTo(3);
  }

  @Test
  void aPokeRacingATickThatAlreadyStartedLeavesOnePollChain() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    java.util.concurrent.atomic.AtomicBoolean armed =
        new java.util.concurrent.atomic.AtomicBoolean();
    ScheduledThreadPoolExecutor gated =
        new ScheduledThreadPoolExecutor(1) {
          @Override
          public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            return super.schedule(
                () -> {
                  // the tick has started on the poll thread but not reached the loop's lock yet:
                  // the window a poke can hit
                  if (armed.compareAndSet(true, false)) {
                    entered.countDown();
                    try {
                      release.await();
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  }
                  command.run();
                },
                delay,
                unit);
          }
        };
    gated.setRemoveOnCancelPolicy(true);
    AtomicInteger polls = new AtomicInteger();
    try {
      PollLoop loop =
          new PollLoop(() -> polls.incrementAndGet() * 0, gated, health, null, () -> {});
      armed.set(true); // the first tick
      loop.start();
      assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
      loop.poke();
      release.countDown();
      Eventually.until(
          java.time.Duration.ofSeconds(5),
          "the loop settles in its idle wait",
          () ->
              polls.get() >= 1
                  && gated.getActiveCount() == 0
                  && gated.getQueue().stream()
                      .allMatch(
                          r ->
                              ((java.util.concurrent.Delayed) r).getDelay(TimeUnit.MILLISECONDS)
                                  > 100));
      assertThat(gated.getQueue()).as("scheduled poll ticks").hasSize(1);
      loop.stop();
    } finally {
      gated.shutdownNow();
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 5, 10, 50})
  void errorBackoffGrowsWithJitterUpToAMinute(int failures) {
    long ceiling = Math.min(60_000, 1_000L << (failures - 1));
    for (int i = 0; i < 100; i++) {
      assertThat(PollLoop.errorBackoffMillis(failures)).isBetween(ceiling / 2, ceiling);
    }
  }
}
