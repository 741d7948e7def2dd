package io.github.prefectecs.agent.logs;

import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes one sweep's reads: plans them ({@link ReadPlan}) from the streams' windows and each
 * source's measured volume, probes unknown streams first (their first lines wait longest), then
 * reads, and applies each outcome: a success makes named streams known and measures a prefix read's
 * source; a refusal naming a missing stream makes its streams unknown again; a lasting refusal of a
 * group goes to {@link GroupRefusals} and its runs are told; throttling, or a third transient
 * failure, ends the sweep with the error to back off for.
 *
 * <p>Not thread-safe: owned by the forwarder's thread.
 */
final class PlanReads {
  private static final Logger LOG = LoggerFactory.getLogger(PlanReads.class);
  private static final int TRANSIENT_FAILURES_PER_SWEEP = 3;

  /**
   * How a sweep's reads ended.
   *
   * @param backOff the failure to back off for; null when none
   * @param discovering whether streams not known to exist were looked for
   */
  record Result(LogsException backOff, boolean discovering) {}

  private final ReadRunner runner;
  private final Probing probing;
  private final GroupRefusals refusals;
  private final FollowedTasks tasks;
  private final Clock clock;
  private final long lookBackMillis;
  private final Map<String, SourceVolume> volumes = new HashMap<>();
  private int transientFailures;

  PlanReads(
      ReadRunner runner,
      GroupRefusals refusals,
      FollowedTasks tasks,
      Clock clock,
      long lookBackMillis) {
    this.runner = runner;
    this.probing = new Probing(runner, clock, lookBackMillis);
    this.refusals = refusals;
    this.tasks = tasks;
    this.clock = clock;
    this.lookBackMillis = lookBackMillis;
  }

  Result read(
      List<StreamState> readable,
      long now,
      BiConsumer<StreamState, LogEvent> fresh,
      BooleanSupplier mayGoOn) {
    if (readable.isEmpty()) {
      return new Result(null, false);
    }
    ReadPlan.Plan plan = ReadPlan.of(readable, now, lookBackMillis, volumes);
    boolean discovering =
        !plan.probes().isEmpty()
            || plan.reads().stream()
                .anyMatch(r -> r.members().stream().anyMatch(m -> !m.isKnown()));
    transientFailures = 0;
    LogsException[] backOff = {null};
    Probing.Outcomes outcomes =
        new Probing.Outcomes() {
          @Override
          public void ok(ReadPlan.Read read, ReadRunner.Done done) {
            readOk(read, done);
          }

          @Override
          public boolean failed(ReadPlan.Read read, LogsException e) {
            backOff[0] = PlanReads.this.failed(read, e);
            return backOff[0] == null;
          }
        };
    for (ReadPlan.ProbeSet set : plan.probes()) {
      if (refusals.readable(set.group(), clock.millis())
          && !probing.probe(set, fresh, mayGoOn, outcomes)) {
        return new Result(backOff[0], discovering);
      }
    }
    for (ReadPlan.Read read : plan.reads()) {
      if (!mayGoOn.getAsBoolean()) {
        break;
      }
      if (!refusals.readable(read.group(), clock.millis())) {
        continue; // refused earlier in this sweep
      }
      ReadRunner.Outcome outcome = runner.run(read, fresh, mayGoOn);
      if (outcome instanceof ReadRunner.Done done) {
        readOk(read, done);
      } else if (outcome instanceof ReadRunner.Capped capped) {
        volumes.put(
            ReadPlan.sourceKey(read.members().get(0).source()),
            SourceVolume.moreThan(read.maxPages(), capped.at() - read.start() + 1, capped.at()));
      } else if (outcome instanceof ReadRunner.Failed f) {
        LogsException stop = failed(read, f.error());
        if (stop != null) {
          return new Result(stop, discovering);
        }
      } else {
        break; // stopped: no room, or no time
      }
    }
    return new Result(null, discovering);
  }

  /** A failed read; returns the failure to back off for, or null when the sweep may go on. */
  private LogsException failed(ReadPlan.Read read, LogsException e) {
    if (e.retryable()) {
      boolean throttled = e.kind() == LogsException.Kind.THROTTLED;
      return throttled || ++transientFailures >= TRANSIENT_FAILURES_PER_SWEEP ? e : null;
    }
    long now = clock.millis();
    if (e.kind() == LogsException.Kind.STREAM_NOT_FOUND) {
      // A stream known to exist is gone (deleted?): find it again as an unknown one.
      read.members().forEach(StreamState::notKnown);
      LOG.debug("{}: {} stream(s) not known to exist yet", e.getMessage(), read.members().size());
      return null;
    }
    tasks.refused(read.group(), refusals.refuse(read.group(), e, now), now);
    return null;
  }

  private void readOk(ReadPlan.Read read, ReadRunner.Done done) {
    refusals.readOk(read.group());
    for (StreamState member : read.members()) {
      member.readable();
      if (read.kind() != ReadPlan.Kind.PREFIX) {
        // CloudWatch refuses a read naming a missing stream: this one exists.
        member.known();
      }
    }
    if (read.kind() == ReadPlan.Kind.PREFIX) {
      volumes.put(
          ReadPlan.sourceKey(read.members().get(0).source()),
          SourceVolume.measured(
              done.events(), done.bytes(), done.at() - read.start() + 1, done.at()));
    }
  }
}
