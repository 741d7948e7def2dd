package io.github.prefectecs.agent.startup;

import io.github.prefectecs.agent.prefect.AgentRegistration;
import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.prefect.FlowRunStatus;
import io.github.prefectecs.agent.prefect.LogEntry;
import io.github.prefectecs.agent.prefect.PrefectApiException;
import io.github.prefectecs.agent.prefect.StateUpdate;
import io.github.prefectecs.agent.prefect.UpdateResult;
import io.github.prefectecs.agent.testsupport.UnusedPrefectApi;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A Prefect API whose {@code register_agent} waits for a gate, records the calls it answers, and
 * finds no runs: enough for start-up.
 */
final class GatedPrefectApi extends UnusedPrefectApi {
  final CountDownLatch registrationGate = new CountDownLatch(1);
  final CountDownLatch registering = new CountDownLatch(1);
  final CountDownLatch polled = new CountDownLatch(1);
  final List<String> calls = new CopyOnWriteArrayList<>();
  volatile RuntimeException tenantFailure;
  volatile RuntimeException registrationFailure;

  @Override
  public String defaultTenantId() {
    calls.add("tenant");
    if (tenantFailure != null) {
      throw tenantFailure;
    }
    return "tenant-1";
  }

  @Override
  public String registerAgent(AgentRegistration registration) {
    calls.add("register");
    registering.countDown();
    try {
      if (!registrationGate.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("registration gate never opened");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PrefectApiException(PrefectApiException.Kind.TRANSPORT, "interrupted");
    }
    if (registrationFailure != null) {
      throw registrationFailure;
    }
    calls.add("registered");
    return "agent-1";
  }

  @Override
  public void hello() {
    calls.add("hello");
  }

  @Override
  public List<String> runsInQueue(String tenantId, List<String> labels, Instant before) {
    calls.add("poll");
    polled.countDown();
    return List.of();
  }

  @Override
  public List<FlowRun> flowRuns(Collection<String> ids, Instant taskRunCutoff) {
    return List.of();
  }

  @Override
  public List<io.github.prefectecs.agent.prefect.TaskRun> taskRunStatuses(Collection<String> ids) {
    return List.of();
  }

  @Override
  public List<FlowRunStatus> flowRunStatuses(Collection<String> ids) {
    return List.of();
  }

  @Override
  public List<UpdateResult> setFlowRunStates(List<StateUpdate> updates) {
    return List.of();
  }

  @Override
  public List<UpdateResult> setTaskRunStates(List<StateUpdate> updates) {
    return List.of();
  }

  @Override
  public List<UpdateResult> writeRunLogs(List<LogEntry> logs) {
    return List.of();
  }
}
