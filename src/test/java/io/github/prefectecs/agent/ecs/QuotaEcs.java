package io.github.prefectecs.agent.ecs;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.DeregisterTaskDefinitionRequest;
import software.amazon.awssdk.services.ecs.model.DeregisterTaskDefinitionResponse;
import software.amazon.awssdk.services.ecs.model.DescribeTaskDefinitionRequest;
import software.amazon.awssdk.services.ecs.model.DescribeTaskDefinitionResponse;
import software.amazon.awssdk.services.ecs.model.DescribeTasksRequest;
import software.amazon.awssdk.services.ecs.model.DescribeTasksResponse;
import software.amazon.awssdk.services.ecs.model.ListTaskDefinitionsRequest;
import software.amazon.awssdk.services.ecs.model.ListTaskDefinitionsResponse;
import software.amazon.awssdk.services.ecs.model.ListTasksRequest;
import software.amazon.awssdk.services.ecs.model.ListTasksResponse;
import software.amazon.awssdk.services.ecs.model.RegisterTaskDefinitionRequest;
import software.amazon.awssdk.services.ecs.model.RegisterTaskDefinitionResponse;
import software.amazon.awssdk.services.ecs.model.RunTaskRequest;
import software.amazon.awssdk.services.ecs.model.RunTaskResponse;
import software.amazon.awssdk.services.ecs.model.StopTaskRequest;
import software.amazon.awssdk.services.ecs.model.StopTaskResponse;

/**
 * One AWS account's ECS, shared by several agents: account-wide token buckets at the published ECS
 * quotas (RunTask 100/40 per s, Fargate RunTask 20/20, task definition modify 20/1, cluster read
 * 100/20, task definition read 50/20) answer ThrottlingException like ECS once empty, and each call
 * takes 20-50 ms. Every agent gets its own {@link #client} view with its own counters; tasks and
 * task definitions are shared.
 *
 * <p>Time may be compressed: quotas times {@code speedup}, latencies divided by it. The Fargate
 * RunTask quota can be changed while agents run ({@link #fargateRunTaskRate}).
 *
 * <p>Thread-safe.
 */
public final class QuotaEcs {
  private final FakeEcsClient backend = new FakeEcsClient();
  private final double speedup;
  private final AccountBucket runTask;
  private final AccountBucket fargate;
  private final AccountBucket definitionModify;
  private final AccountBucket clusterRead;
  private final AccountBucket definitionRead;
  private final Counts total = new Counts();
  private final java.util.Queue<Long> throttledAt =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final long created = System.nanoTime();

  /** Calls accepted and throttled, per operation. */
  public static final class Counts {
    private final Map<String, AtomicInteger> accepted = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> throttled = new ConcurrentHashMap<>();
    private final java.util.Queue<Long> runTaskThrottledAt =
        new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** When this view's RunTask calls were throttled ({@link System#nanoTime}). */
    public java.util.List<Long> runTaskThrottledAt() {
      return java.util.List.copyOf(runTaskThrottledAt);
    }

    public int accepted(String operation) {
      AtomicInteger n = accepted.get(operation);
      return n == null ? 0 : n.get();
    }

    public int throttled(String operation) {
      AtomicInteger n = throttled.get(operation);
      return n == null ? 0 : n.get();
    }

    public int calls(String operation) {
      return accepted(operation) + throttled(operation);
    }

    void add(String operation, boolean ok) {
      (ok ? accepted : throttled)
          .computeIfAbsent(operation, o -> new AtomicInteger())
          .incrementAndGet();
    }
  }

  public QuotaEcs(double speedup) {
    this.speedup = speedup;
    this.runTask = new AccountBucket(100, 40 * speedup);
    this.fargate = new AccountBucket(20, 20 * speedup);
    this.definitionModify = new AccountBucket(20, 1 * speedup);
    this.clusterRead = new AccountBucket(100, 20 * speedup);
    this.definitionRead = new AccountBucket(50, 20 * speedup);
  }

  /** The tasks and task definitions of the account. */
  public FakeEcsClient backend() {
    return backend;
  }

  /** RunTask calls throttled in the first {@code seconds} (real seconds) after creation. */
  public long runTaskThrottledWithin(double seconds) {
    long limit = (long) (seconds * 1e9 / speedup);
    return throttledAt.stream().filter(t -> t - created <= limit).count();
  }

  /** When the account was created ({@link System#nanoTime}). */
  public long created() {
    return created;
  }

  /** Calls of all agents together. */
  public Counts total() {
    return total;
  }

  /** Changes the account's Fargate RunTask quota (calls per real second; burst stays 20). */
  public void fargateRunTaskRate(double perSecond) {
    fargate.rate(perSecond * speedup);
  }

  /** A client for one agent; its calls count in {@code counts} and in {@link #total()}. */
  public EcsClient client(Counts counts) {
    return new AgentView(counts);
  }

  private static final class AccountBucket {
    private final double capacity;
    private double perNano;
    private double tokens;
    private long last = System.nanoTime();

    AccountBucket(double capacity, double perSecond) {
      this.capacity = capacity;
      this.perNano = perSecond / 1e9;
      this.tokens = capacity;
    }

    synchronized boolean take() {
      long now = System.nanoTime();
      tokens = Math.min(capacity, tokens + (now - last) * perNano);
      last = now;
      if (tokens >= 1) {
        tokens -= 1;
        return true;
      }
      return false;
    }

    synchronized void rate(double perSecond) {
      take(); // settle the tokens earned at the old rate
      tokens += 1;
      perNano = perSecond / 1e9;
    }
  }

  private final class AgentView implements EcsClient {
    private final Counts counts;

    AgentView(Counts counts) {
      this.counts = counts;
    }

    private void enter(String operation, AccountBucket... buckets) {
      long nanos = ThreadLocalRandom.current().nextLong(20_000_000, 50_000_001);
      long scaled = (long) (nanos / speedup);
      try {
        Thread.sleep(scaled / 1_000_000, (int) (scaled % 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      boolean ok = true;
      for (AccountBucket bucket : buckets) {
        // ECS checks its buckets in turn; a token taken before a later bucket refuses is spent.
        if (!bucket.take()) {
          ok = false;
          break;
        }
      }
      counts.add(operation, ok);
      total.add(operation, ok);
      if (!ok) {
        if (operation.equals("RunTask")) {
          long now = System.nanoTime();
          throttledAt.add(now);
          counts.runTaskThrottledAt.add(now);
        }
        throw FakeEcsClient.throttling();
      }
    }

    @Override
    public RunTaskResponse runTask(RunTaskRequest request) {
      if ("EC2".equals(request.launchTypeAsString())) {
        enter("RunTask", runTask);
      } else {
        enter("RunTask", runTask, fargate);
      }
      return backend.runTask(request);
    }

    @Override
    public StopTaskResponse stopTask(StopTaskRequest request) {
      enter("StopTask", runTask);
      return StopTaskResponse.builder().build();
    }

    @Override
    public RegisterTaskDefinitionResponse registerTaskDefinition(
        RegisterTaskDefinitionRequest request) {
      enter("RegisterTaskDefinition", definitionModify);
      return backend.registerTaskDefinition(request);
    }

    @Override
    public DeregisterTaskDefinitionResponse deregisterTaskDefinition(
        DeregisterTaskDefinitionRequest request) {
      enter("DeregisterTaskDefinition", definitionModify);
      return backend.deregisterTaskDefinition(request);
    }

    @Override
    public DescribeTaskDefinitionResponse describeTaskDefinition(
        DescribeTaskDefinitionRequest request) {
      enter("DescribeTaskDefinition", definitionRead);
      return backend.describeTaskDefinition(request);
    }

    @Override
    public ListTaskDefinitionsResponse listTaskDefinitions(ListTaskDefinitionsRequest request) {
      enter("ListTaskDefinitions", definitionRead);
      return backend.listTaskDefinitions(request);
    }

    @Override
    public ListTasksResponse listTasks(ListTasksRequest request) {
      enter("ListTasks", clusterRead);
      return backend.listTasks(request);
    }

    @Override
    public DescribeTasksResponse describeTasks(DescribeTasksRequest request) {
      enter("DescribeTasks", clusterRead);
      return backend.describeTasks(request);
    }

    @Override
    public String serviceName() {
      return "ecs";
    }

    @Override
    public void close() {}
  }
}
